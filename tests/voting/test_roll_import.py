"""Reading the register (pure) and importing it onto the roll (database)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from tests.conftest import TEST_PEPPER
from tools.fake_register import register_csv
from voting import codes, roll
from voting.models import AuditEvent, Election, RollEntry, VotingCode
from voting.roll_import import (
    Eligibility,
    Reason,
    RegisterError,
    age_on,
    normalise_postcode,
    parse_postcode_filter,
    read_register,
    reference_day,
)

HEADER = "persoonsreferentie;naam;adres;postcode;woonplaats;geboortedatum;wijk\n"
GOOD = (
    "1001;Anna de Vries;Dorpsstraat 1;6921 AB;Duiven;01-02-1980;Centrum\n"
    "1002;Mehmet Çelik;Rijksweg 12a;6921ab;Duiven;1975-12-31;Horst\n"
    "1003;Zoë van 't Hek;Kerkstraat 3;6922 CD;Duiven;19990615;Centrum\n"
)
ADULTS = Eligibility(min_age=16, reference_day=date(2026, 3, 18))


def read(body: str, eligibility: Eligibility = ADULTS, encoding: str = "utf-8"):  # type: ignore[no-untyped-def]
    return read_register(body.encode(encoding), eligibility)


def test_happy_path_reads_every_field() -> None:
    check = read(HEADER + GOOD)
    assert check.clean and check.rows == 3
    anna, mehmet, zoe = check.residents
    assert (anna.line, anna.person_reference, anna.name) == (2, "1001", "Anna de Vries")
    assert anna.postcode == "6921AB" and anna.postcode_printed == "6921 AB"
    assert anna.birth_date == date(1980, 2, 1)
    assert mehmet.name == "Mehmet Çelik" and mehmet.postcode == "6921AB"
    assert mehmet.birth_date == date(1975, 12, 31)
    assert zoe.birth_date == date(1999, 6, 15) and zoe.neighbourhood == "Centrum"


@pytest.mark.parametrize(
    ("encoding", "prefix", "name"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-bom"),
        ("cp1252", b"", "cp1252"),
    ],
)
def test_encodings_are_detected(encoding: str, prefix: bytes, name: str) -> None:
    body = HEADER + "1001;Chloé Brouwer;Café-straat 1;6921 AB;Duiven;01-02-1980;X\n"
    check = read_register(prefix + body.encode(encoding), ADULTS)
    assert check.encoding == name
    assert check.clean, check.errors
    assert check.residents[0].name == "Chloé Brouwer"


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_delimiters_are_detected(delimiter: str) -> None:
    body = register_csv(5, delimiter=delimiter)
    check = read_register(body.encode(), Eligibility())
    assert check.delimiter == delimiter
    assert check.clean and len(check.residents) == 5


def test_english_headers_in_another_order_and_quoted_fields() -> None:
    body = (
        "Name,Date of birth,Street address,Postcode,Town,Person reference\n"
        '"Jansen, Piet",1950-01-01,"Dorpsstraat 1, achter",6921 AB,Duiven,7\n'
    )
    check = read(body)
    assert check.clean, check.errors
    assert check.residents[0].name == "Jansen, Piet"
    assert check.residents[0].address == "Dorpsstraat 1, achter"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("1004;;Dorpsstraat 2;6921 AB;Duiven;01-01-1970;", Reason.MISSING_FIELD),
        ("1004;Piet;Dorpsstraat 2;0921 AB;Duiven;01-01-1970;", Reason.BAD_POSTCODE),
        ("1004;Piet;Dorpsstraat 2;6921 SS;Duiven;01-01-1970;", Reason.BAD_POSTCODE),
        ("1004;Piet;Dorpsstraat 2;6921;Duiven;01-01-1970;", Reason.BAD_POSTCODE),
        ("1004;Piet;Dorpsstraat 2;6921 AB;Duiven;31-02-1970;", Reason.BAD_DATE),
        ("1004;Piet;Dorpsstraat 2;6921 AB;Duiven;01-01-2999;", Reason.BAD_DATE),
        ("1001;Piet;Dorpsstraat 2;6921 AB;Duiven;01-01-1970;", Reason.DUPLICATE),
        ("1004;Piet;Dorpsstraat 2;6921 AB", Reason.BAD_ROW),
    ],
)
def test_each_bad_row_kind_is_reported_by_line(row: str, reason: Reason) -> None:
    check = read(HEADER + GOOD + row + "\n")
    assert [(e.line, e.reason) for e in check.errors] == [(5, reason)]
    assert len(check.residents) == 3
    assert not check.clean


def test_under_age_residents_are_not_eligible_not_bad_rows() -> None:
    check = read(HEADER + GOOD + "1004;Kind;Dorpsstraat 2;6921 AB;Duiven;01-01-2020;\n")
    assert check.clean
    assert [(e.line, e.reason) for e in check.not_eligible] == [(5, Reason.NOT_ELIGIBLE)]
    assert check.not_eligible[0].problem.code == "too_young"
    assert len(check.residents) == 3


def test_duplicate_names_the_first_line() -> None:
    check = read(HEADER + GOOD + "\n" + "1002;Mehmet;Rijksweg 12a;6921ab;Duiven;1975-12-31;\n")
    # The blank line is skipped but still counted, so the duplicate is on line 6.
    assert check.errors[0].line == 6
    assert check.errors[0].problem.code == "same_person"
    assert check.errors[0].problem.params == {"line": 3}


def test_line_numbers_follow_multi_line_fields() -> None:
    body = HEADER + '1001;"Anna\nde Vries";Dorpsstraat 1;6921 AB;Duiven;01-02-1980;\n'
    body += "1002;Piet;Rijksweg 1;bad;Duiven;01-02-1980;\n"
    check = read(body)
    assert [e.line for e in check.errors] == [4]


@pytest.mark.parametrize(
    "body",
    [b"", b"naam;adres\nPiet;Dorpsstraat 1\n"],
)
def test_unreadable_files_are_fatal(body: bytes) -> None:
    check = read_register(body, ADULTS)
    assert check.fatal and check.errors[0].line == 1
    assert check.errors[0].reason is Reason.BAD_FILE


def test_minimum_age_counts_on_the_reference_day() -> None:
    day = date(2026, 3, 18)
    assert age_on(date(2010, 3, 18), day) == 16
    assert age_on(date(2010, 3, 19), day) == 15
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18
    body = HEADER + (
        "1;Jarig;Dorpsstraat 1;6921 AB;Duiven;18-03-2014;\n"
        "2;Morgen jarig;Dorpsstraat 1;6921 AB;Duiven;19-03-2014;\n"
    )
    check = read(body, Eligibility(min_age=12, reference_day=day))
    assert [r.person_reference for r in check.residents] == ["1"]
    problem = check.not_eligible[0].problem
    assert problem.code == "too_young"
    assert (problem.params["min_age"], problem.params["day"]) == (12, day)


def test_reference_day_is_the_first_voting_day_in_dutch_time() -> None:
    # 23:30 UTC on 17 March is already 18 March in the Netherlands.
    assert reference_day(datetime(2026, 3, 17, 23, 30, tzinfo=UTC)) == date(2026, 3, 18)
    assert reference_day(None, today=date(2026, 1, 2)) == date(2026, 1, 2)


def test_postcode_filter_syntax() -> None:
    assert parse_postcode_filter("6921-6923, 5611AB, 56") == (
        ("6921", "6923"),
        ("5611AB", "5611AB"),
        ("56", "56"),
    )
    assert parse_postcode_filter("  ") == ()
    for bad, code in (
        ("6923-6921", "postcode_filter_reversed"),
        ("abc", "postcode_filter_unreadable"),
        ("6921-69", "postcode_filter_unreadable"),
        ("0921", "postcode_filter_unreadable"),
    ):
        with pytest.raises(RegisterError) as caught:
            parse_postcode_filter(bad)
        assert caught.value.code == code and caught.value.params == {"part": bad.upper()}


def test_postcode_and_neighbourhood_filters() -> None:
    body = HEADER + (
        "1;A;Straat 1;6921 AB;Duiven;01-01-1970;Centrum\n"
        "2;B;Straat 1;6923 ZZ;Duiven;01-01-1970;Horst\n"
        "3;C;Straat 1;6924 AA;Duiven;01-01-1970;centrum\n"
        "4;D;Straat 1;5611 AB;Eindhoven;01-01-1970;\n"
    )
    by_postcode = Eligibility(postcode_ranges=parse_postcode_filter("6921-6923, 5611AB"))
    assert [r.person_reference for r in read(body, by_postcode).residents] == ["1", "2", "4"]
    by_quarter = Eligibility(neighbourhoods=frozenset({"centrum"}))
    check = read(body, by_quarter)
    assert [r.person_reference for r in check.residents] == ["1", "3"]
    assert check.clean  # left out by the rules is not a fault in the file
    assert {e.reason for e in check.not_eligible} == {Reason.NOT_ELIGIBLE}


def test_normalise_postcode() -> None:
    assert normalise_postcode(" 6921 ab ") == "6921AB"
    assert normalise_postcode("6921AB") == "6921AB"
    assert normalise_postcode("6921 A B") is None


def test_eligibility_from_an_election(make_election: Callable[..., Election]) -> None:
    election = make_election(
        phase="draft",
        min_age=12,
        postcode_filter="6921",
        neighbourhood_filter="Centrum, Horst",
        opens_at=datetime(2026, 3, 18, 7, tzinfo=UTC),
    )
    rules = Eligibility.for_election(election)
    assert rules.min_age == 12 and rules.reference_day == date(2026, 3, 18)
    assert rules.postcode_ranges == (("6921", "6921"),)
    assert rules.neighbourhoods == {"centrum", "horst"}


# --- Into the database ------------------------------------------------------------------


def _import(session: Session, election: Election, body: str, **options: object) -> list:  # type: ignore[type-arg]
    check = read_register(body.encode(), Eligibility())
    letters = []
    for batch in roll.import_residents(
        session, election, check.residents, TEST_PEPPER, actor="griffie", **options
    ):
        letters += batch
    return letters


def test_import_puts_residents_on_the_roll_with_working_codes(
    db_session: Session, make_election: Callable[..., Election]
) -> None:
    election = make_election(phase="draft")
    stats = roll.ImportStats()
    body = register_csv(25)
    letters = _import(db_session, election, body, batch_size=10, stats=stats)
    assert len(letters) == 25 and stats.added == 25 and stats.letters == 25
    keys = set(db_session.scalars(select(RollEntry.voter_key)))
    for letter in letters:
        assert codes.problem(letter.code) is None
        key = codes.voter_key(TEST_PEPPER, election.slug, letter.resident.person_reference)
        assert key in keys
        code = db_session.scalar(
            select(VotingCode).where(
                VotingCode.code_hash == codes.code_hash(TEST_PEPPER, letter.code)
            )
        )
        assert code is not None and code.used_at is None and code.revoked_at is None
        assert code.roll_entry.voter_key == key
    actions = list(db_session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert [a for a in actions if a.startswith("roll.")] == [
        "roll.import.start",
        "roll.import.finish",
    ]
    finish = db_session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert finish is not None and finish.details["added"] == 25


def test_nothing_identifying_is_stored(
    db_session: Session, make_election: Callable[..., Election]
) -> None:
    election = make_election(phase="draft")
    body = register_csv(40, seed=7)
    letters = _import(db_session, election, body)
    secrets_ = set()
    for letter in letters:
        r = letter.resident
        secrets_ |= {r.name, r.address, r.postcode, r.postcode_printed, r.person_reference}
        secrets_ |= {r.birth_date.strftime("%d-%m-%Y"), r.birth_date.isoformat()}
        secrets_ |= {letter.code, codes.formatted(letter.code)}
        secrets_ |= set(r.name.split()) - {"de", "van", "den", "'t", "El"}
    secrets_ = {s for s in secrets_ if len(s) >= 4}
    dump = []
    engine = db_session.get_bind()
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                dump.append(" ".join(str(value) for value in row))
    stored = "\n".join(dump)
    assert db_session.scalar(select(func.count()).select_from(RollEntry)) == 40
    leaked = sorted(s for s in secrets_ if s in stored)
    assert leaked == []


def test_reimport_skips_residents_with_a_code_and_adds_newcomers(
    db_session: Session, make_election: Callable[..., Election]
) -> None:
    election = make_election(phase="draft")
    _import(db_session, election, register_csv(10))
    stats = roll.ImportStats()
    letters = _import(db_session, election, register_csv(12), stats=stats)
    assert stats.added == 2 and stats.skipped_has_code == 10 and len(letters) == 2
    assert db_session.scalar(select(func.count()).select_from(RollEntry)) == 12
    assert db_session.scalar(select(func.count()).select_from(VotingCode)) == 12


def test_reissue_all_unused_after_a_broken_run(
    db_session: Session, make_election: Callable[..., Election]
) -> None:
    """The download broke after the first batch was committed: those letters are lost.
    Running again with reissue_unused gives everyone a fresh code and kills the old."""
    election = make_election(phase="draft")
    check = read_register(register_csv(30).encode(), Eligibility())
    run = roll.import_residents(
        db_session, election, check.residents, TEST_PEPPER, actor="griffie", batch_size=10
    )
    lost = next(run)
    run.close()  # the client went away
    assert db_session.scalar(select(func.count()).select_from(VotingCode)) == 10
    stats = roll.ImportStats()
    letters = _import(db_session, election, register_csv(30), reissue_unused=True, stats=stats)
    assert stats.added == 20 and stats.reissued == 10 and len(letters) == 30
    for letter in lost:
        old = db_session.scalar(
            select(VotingCode).where(
                VotingCode.code_hash == codes.code_hash(TEST_PEPPER, letter.code)
            )
        )
        assert old is not None and old.revoked_at is not None
    live = db_session.scalar(
        select(func.count())
        .select_from(VotingCode)
        .where(VotingCode.revoked_at.is_(None), VotingCode.used_at.is_(None))
    )
    assert live == 30
    assert roll.roll_counts(db_session, election.id) == {
        "roll": 30,
        "issued": 40,
        "used": 0,
        "revoked": 10,
        "live": 30,
    }


def test_import_refused_once_voting_started(
    db_session: Session, make_election: Callable[..., Election]
) -> None:
    election = make_election(phase="voting")
    with pytest.raises(roll.RollLocked, match="the roll is fixed"):
        _import(db_session, election, register_csv(3))
    assert db_session.scalar(select(func.count()).select_from(RollEntry)) == 0


def test_reissue_revokes_the_old_code_and_refuses_a_used_one(
    db_session: Session, make_election: Callable[..., Election]
) -> None:
    election = make_election(phase="draft")
    letters = _import(db_session, election, register_csv(3))
    election.phase = "voting"  # a lost letter during voting
    db_session.commit()
    first = letters[0]
    reference = first.resident.person_reference
    new = roll.reissue(db_session, election, TEST_PEPPER, reference, actor="griffie")
    assert new != first.code
    rows = {
        c.code_hash: c
        for c in db_session.scalars(select(VotingCode).where(VotingCode.election_id == election.id))
    }
    assert rows[codes.code_hash(TEST_PEPPER, first.code)].revoked_at is not None
    current = rows[codes.code_hash(TEST_PEPPER, new)]
    assert current.revoked_at is None
    status = roll.lookup(db_session, election, TEST_PEPPER, reference)
    assert status == roll.RollStatus(on_roll=True, voted=False, live_codes=1, revoked_codes=1)
    # Vote with it: a used code cannot be reissued.
    current.used_at = datetime.now(UTC)
    db_session.commit()
    with pytest.raises(roll.AlreadyVoted):
        roll.reissue(db_session, election, TEST_PEPPER, reference, actor="griffie")
    with pytest.raises(roll.NotOnRoll):
        roll.reissue(db_session, election, TEST_PEPPER, "nobody", actor="griffie")
    assert roll.lookup(db_session, election, TEST_PEPPER, "nobody").on_roll is False
    reissues = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "roll.reissue")
    ).all()
    assert len(reissues) == 1 and set(reissues[0].details) == {"roll_entry_id"}
