"""Letters to residents (A4 PDF, fpdf2) and the mail-merge CSV for a print house.

Letters are made from the uploaded register in memory and streamed out; names and
addresses never reach the database or the server's disk.

Layout: A4 portrait for a window envelope with the window on the left (EA5/6,
110 x 220 mm, folded in three), following the NEN 1026 address field that PostNL's
guidance uses: the address block sits 20-105 mm from the left and 50-80 mm from the
top, with the return line just above it. Everything secret (the code and its QR) is
printed below the first fold (99 mm), so nothing of it shows through the window.

Fonts: DejaVu Sans, or the core fonts without it, as every document
(:mod:`voting.documents.fonts`). The code itself is ASCII and always printed in
Courier Bold, a core font (nothing to embed or parse).
"""

from __future__ import annotations

import csv
import functools
import io
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import qrcode
from fpdf import FPDF
from qrcode.constants import ERROR_CORRECT_M

from voting import codes
from voting.documents.fonts import close_fonts, find_font_dir, use_fonts
from voting.documents.pdf_concat import concat_pdfs
from voting.elections import options_locked
from voting.formatting import (
    format_day,
    format_day_range,
    format_moment,
    format_money,
    town_hall_today,
)
from voting.roll import Letter

if TYPE_CHECKING:
    from voting.roll_import import Resident

LETTERS_PER_PDF = 500  # per fpdf2 document (a ZIP member, a part of one PDF): bounds memory
MAIL_MERGE_COLUMNS = (
    "volgnummer",
    "naam",
    "adres",
    "postcode",
    "woonplaats",
    "stemcode",
    "qr_url",
    "verkiezing",
)

# Window-envelope geometry in millimetres (NEN 1026, window on the left).
ADDRESS_X = 20.0
ADDRESS_TOP = 50.0
ADDRESS_WIDTH = 85.0
ADDRESS_BOTTOM = 80.0
FOLD = 99.0  # A4 folded in three
BODY_TOP = 96.0
# Type sizes in points and line heights in millimetres. The letter is read on paper,
# often by older residents, so nothing below the address is under 11 pt (it was 9-10).
# 12 pt would not leave room for a four-step process with its dates on one page.
TEXT_PT = 11.0
TEXT_LINE = 5.5
TITLE_PT = 13.0
TITLE_LINE = 6.5
NOTE_PT = 11.0
NOTE_LINE = 5.0


def qr_url(base_url: str, code: str) -> str:
    """The QR link: ``{base}/stem/qr#{CODE}``. The code is in the fragment, which a
    browser never sends to the server, so it cannot land in an access log; the
    landing page moves it into the session and out of the history."""
    return f"{base_url.rstrip('/')}/stem/qr#{codes.normalise(code)}"


@dataclass(frozen=True)
class LetterContext:
    """Everything the same on every letter of one election."""

    municipality: str
    title: str
    question: str
    base_url: str
    # (key, title) of each option, in ballot order: the key is the option's label
    # everywhere (ballot, record, results), so the letter prints it too.
    options: tuple[tuple[str, str], ...] = ()
    is_budget: bool = False
    budget: int | None = None
    proposals_url: str = ""
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    turnout_threshold_percent: int = 0
    sender_line: str = ""
    help_phone: str = "14 0 + netnummer"
    help_desk: str = "de balie van het gemeentehuis"
    letter_date: date = field(default_factory=town_hall_today)
    # A process letter (issue #13): one line per step with its dates; the one code
    # takes part in every step, so the letter lists the steps instead of options.
    stages: tuple[str, ...] = ()
    # Steps already under way when the letters are made: a resident imported now is on
    # the roll of the later steps only, so the letter names just those.
    stages_begun: int = 0

    @classmethod
    def for_election(cls, election: Any, config: Mapping[str, Any]) -> LetterContext:
        """The context of ``election`` with the app's settings (``MUNICIPALITY``,
        ``PUBLIC_BASE_URL``; optional ``LETTER_SENDER``, ``LETTER_HELP_PHONE``,
        ``LETTER_HELP_DESK``, also read from the environment)."""
        municipality = election.municipality or config.get("MUNICIPALITY", "")
        base_url = str(config.get("PUBLIC_BASE_URL", "")).rstrip("/")

        def setting(name: str, default: str) -> str:
            return str(config.get(name) or os.environ.get(name) or default)

        return cls(
            municipality=municipality,
            title=election.title,
            question=election.question or "",
            base_url=base_url,
            options=tuple((o.key, o.title) for o in election.accepted_options()),
            is_budget=election.is_budget,
            budget=election.budget,
            proposals_url=f"{base_url}/voorstellen/{election.slug}",
            opens_at=election.opens_at,
            closes_at=election.closes_at,
            turnout_threshold_percent=int(election.turnout_threshold_percent or 0),
            sender_line=setting("LETTER_SENDER", municipality),
            help_phone=setting("LETTER_HELP_PHONE", cls.help_phone),
            help_desk=setting("LETTER_HELP_DESK", cls.help_desk),
        )


def process_letter_context(
    process: Any, steps: Iterable[Any], config: Mapping[str, Any]
) -> LetterContext:
    """The context of a process letter: the process's title and one line per step of
    its timeline (``voting.processes.service.timeline``) with the step's dates, in
    Dutch like every letter."""

    def day(moment: datetime | None) -> str:
        return format_day(moment, "d MMMM y", locale="nl") if moment else ""

    lines = []
    begun = 0
    for step in steps:
        if step.state in ("closed", "done") or (
            step.kind == "vote" and options_locked(step.election)
        ):
            begun += 1
            continue
        what = "Ideeën indienen" if step.kind == "ideas" else step.election.title
        verb = "" if step.kind == "ideas" else "stemmen "
        if step.opens_at and step.closes_at:
            days = format_day_range(step.opens_at, step.closes_at, locale="nl")
            what += f" – {verb}van {days}"
        elif step.closes_at:
            what += f" – {verb}tot {day(step.closes_at)}"
        elif step.opens_at:
            what += f" – {verb}vanaf {day(step.opens_at)}"
        lines.append(f"Stap {step.number}. {what.rstrip('.')}.")
    municipality = process.municipality or config.get("MUNICIPALITY", "")
    base_url = str(config.get("PUBLIC_BASE_URL", "")).rstrip("/")

    def setting(name: str, default: str) -> str:
        return str(config.get(name) or os.environ.get(name) or default)

    return LetterContext(
        municipality=municipality,
        title=process.title,
        question="",
        base_url=base_url,
        proposals_url=f"{base_url}/traject/{process.slug}",
        sender_line=setting("LETTER_SENDER", municipality),
        help_phone=setting("LETTER_HELP_PHONE", LetterContext.help_phone),
        help_desk=setting("LETTER_HELP_DESK", LetterContext.help_desk),
        stages=tuple(lines),
        stages_begun=begun,
    )


# --- The PDF ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """The text every letter of a run shares, broken into lines."""

    date: str
    blocks: tuple[tuple[str, float, float, tuple[str, ...]], ...]  # style, size, indent
    after: tuple[tuple[str, tuple[str, ...]], ...]  # heading, lines
    code_note: tuple[str, ...]


@functools.lru_cache(maxsize=8)
def _layout(ctx: LetterContext, folder: Path | str | None) -> _Layout:
    # Broken into lines once per run, on a scratch document: fpdf2's line breaking is
    # what makes a letter slow, and it gives the same lines on every page.
    pdf = FPDF(unit="mm", format="A4")
    fonts = use_fonts(pdf, folder, families=("sans",))
    sans, clean = fonts.sans, fonts.clean
    pdf.add_page()
    common = _common_text(ctx)

    def lines(text: str, style: str, size: float, width: float) -> tuple[str, ...]:
        pdf.set_font(sans, style, size)
        out: list[str] = []
        for paragraph in clean(text).split("\n"):
            out += pdf.multi_cell(width, TEXT_LINE, paragraph, dry_run=True, output="LINES")
        return tuple(out)

    after = tuple(
        (heading, lines(common[key], "", TEXT_PT, 170))
        for heading, key in (
            ("Zo stemt u", "how"),
            ("Liever op papier? Hulp nodig?", "paper"),
            ("Bewaar deze brief", "keep"),
        )
    )
    # Room for the body: the code box starts no higher than 40 mm below the fold and
    # the text after it must end above the footer.
    room = (
        284 - 55 - sum(TEXT_LINE + TEXT_LINE * len(block) + 2 for _, block in after) - 2 - BODY_TOP
    )
    heading = f"Meedoen aan: {ctx.title}" if ctx.stages else f"Stemmen over: {ctx.title}"
    title = ("B", TITLE_PT, 0.0, lines(heading, "B", TITLE_PT, 170))
    intro = lines(common["intro"], "", TEXT_PT, 170)
    choices = [("", TEXT_PT, 5.0, lines(item, "", TEXT_PT, 165)) for item in common["choices"]]
    when = ("", TEXT_PT, 0.0, lines(common["when"], "", TEXT_PT, 170))
    if _height([title, ("", TEXT_PT, 0.0, intro), *choices, when]) > room:
        # Too many options to list on one page: point at the website instead.
        pointer = f"Alle {len(ctx.options)} keuzes staan op {ctx.base_url.rstrip('/')}/"
        if ctx.stages:  # very long step titles: the timeline page names every step
            pointer = f"De {len(ctx.stages)} stappen en hun data staan op {ctx.proposals_url}"
        choices = [("", TEXT_PT, 5.0, lines(pointer, "", TEXT_PT, 165))]
    while len(intro) > 1 and _height([title, ("", TEXT_PT, 0.0, intro), *choices, when]) > room:
        intro = (*intro[:-2], intro[-2].rstrip(" .,:;") + " …")  # a very long question
    blocks = [title, ("", TEXT_PT, 0.0, intro), *choices, when]
    note = (
        "Deze code is alleen voor u en werkt één keer. Of scan de QR-code met uw "
        "telefoon: dan hoeft u de code niet over te typen."
    )
    if ctx.stages:
        note = (
            "Deze code is alleen voor u. U gebruikt hem in elke stap: in elke stemming "
            "stemt u er één keer mee. Of scan de QR-code met uw telefoon."
        )
    layout = _Layout(common["date"], tuple(blocks), after, lines(note, "", NOTE_PT, 118))
    close_fonts(pdf)
    return layout


def _line_height(size: float) -> float:
    return TITLE_LINE if size > TEXT_PT else TEXT_LINE


def _height(blocks: list[tuple[str, float, float, tuple[str, ...]]]) -> float:
    # What LetterPDF.add uses: a title line or a text line each, 1 mm between blocks.
    return sum(len(b[3]) * _line_height(b[1]) + 1 for b in blocks)


class LetterPDF:
    """One PDF with one A4 page per letter. Add letters with :meth:`add`, then take
    the bytes with :meth:`output`. fpdf2 keeps the document in memory until then, so
    callers bound the letters per PDF (:data:`LETTERS_PER_PDF`, in a ZIP or as parts of
    one streamed PDF)."""

    def __init__(self, context: LetterContext, *, font_dir: Path | str | None = "auto") -> None:
        self.context = context
        self.pdf = FPDF(orientation="P", unit="mm", format="A4")
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(ADDRESS_X, 15, 20)
        self.pdf.set_creator("Buurtstem")
        self.pdf.set_title(f"Brieven {context.title}")
        self.pages = 0
        folder = find_font_dir() if font_dir == "auto" else font_dir
        fonts = use_fonts(self.pdf, folder, families=("sans",))
        self.sans, self.clean = fonts.sans, fonts.clean
        self.layout = _layout(context, folder)

    def add(self, letter: Letter) -> None:
        """Add one resident's letter as a new page."""
        pdf, ctx, clean = self.pdf, self.context, self.clean
        resident = letter.resident
        pdf.add_page()
        self.pages += 1
        draw_letterhead(
            pdf,
            self.sans,
            clean,
            municipality=ctx.municipality,
            sender=ctx.sender_line or ctx.municipality,
            resident=resident,
            date_text=self.layout.date,
            number=letter.number,
        )
        # Body: lines broken once in _layout.
        y = BODY_TOP
        for style, size, indent, block_lines in self.layout.blocks:
            pdf.set_font(self.sans, style, size)
            for line in block_lines:
                pdf.text(ADDRESS_X + indent, y, line)
                y += _line_height(size)
            y += 1
        # The code box, below the first fold whatever the text above it did.
        top = max(y + 2, FOLD + 40)
        self._code_box(letter.code, top)
        y = top + 55
        for title, block_lines in self.layout.after:
            pdf.set_font(self.sans, "B", TEXT_PT)
            pdf.text(ADDRESS_X, y, title)
            y += TEXT_LINE
            pdf.set_font(self.sans, "", TEXT_PT)
            for line in block_lines:
                pdf.text(ADDRESS_X, y, line)
                y += TEXT_LINE
            y += 2
        pdf.set_font(self.sans, "", 9)
        footer = clean(f"{ctx.municipality} · {ctx.base_url.rstrip('/')}")
        pdf.text((210 - pdf.get_string_width(footer)) / 2, 287, footer)

    def _code_box(self, code: str, top: float) -> None:
        draw_code_box(
            self.pdf,
            self.sans,
            top=top,
            heading="Uw stemcode",
            code=code,
            note=self.layout.code_note,
            qr=qr_url(self.context.base_url, code),
        )

    def output(self) -> bytes:
        """The finished PDF."""
        data = bytes(self.pdf.output())
        close_fonts(self.pdf)
        return data


def draw_letterhead(
    pdf: FPDF,
    sans: str,
    clean: Callable[[str], str],
    *,
    municipality: str,
    sender: str,
    resident: Resident,
    date_text: str,
    number: int | None = None,
) -> None:
    """The top third every letter shares (voting and panel letters): the municipality,
    fold marks, the return line and address in the envelope's window, the date and
    the letter's number to its right."""
    pdf.set_font(sans, "B", 16)
    pdf.text(ADDRESS_X, 24, clean(municipality))
    pdf.set_font(sans, "", 10)
    pdf.text(ADDRESS_X, 30, "Buurtstem: samen beslissen in uw buurt")
    pdf.set_draw_color(160)
    pdf.set_line_width(0.2)
    for y in (FOLD, 2 * FOLD):
        pdf.line(4, y, 8, y)
    # Window: return line, then the address (PostNL: postcode, two spaces, TOWN).
    pdf.set_font(sans, "", 7)
    pdf.text(ADDRESS_X, ADDRESS_TOP - 2.5, _fit(pdf, clean(f"Retour: {sender}")))
    pdf.set_font(sans, "", 11)
    town = f"{resident.postcode_printed}  {resident.town.upper()}"
    for row, line in enumerate((resident.name, resident.address, town)):
        pdf.text(ADDRESS_X, ADDRESS_TOP + 4.5 + 5 * row, _fit(pdf, clean(line)))
    pdf.text(125, ADDRESS_TOP + 4.5, f"Datum: {date_text}")
    if number:  # the letter's number in the run: matches the CSV's volgnummer
        pdf.text(125, ADDRESS_TOP + 10, f"Kenmerk: {number}")


def draw_code_box(
    pdf: FPDF, sans: str, *, top: float, heading: str, code: str, note: Iterable[str], qr: str
) -> None:
    """The framed box with the one-time code, the lines of ``note`` under it and the QR
    code of the link ``qr`` on the right; 46 mm high from ``top``."""
    pdf.set_draw_color(0)
    pdf.set_line_width(0.5)
    pdf.rect(ADDRESS_X, top, 170, 46)
    pdf.set_font(sans, "B", TEXT_PT)
    pdf.text(ADDRESS_X + 5, top + 8, heading)
    pdf.set_font("courier", "B", 20)  # the code: ASCII, a core font, nothing to embed
    pdf.text(ADDRESS_X + 5, top + 19, codes.formatted(code))
    pdf.set_font(sans, "", NOTE_PT)
    for row, line in enumerate(note):
        pdf.text(ADDRESS_X + 5, top + 28 + NOTE_LINE * row, line)
    draw_qr(pdf, qr, ADDRESS_X + 130, top + 4, 38)


def _fit(pdf: FPDF, text: str, width: float = ADDRESS_WIDTH) -> str:
    # An address line that would run out of the window is cut, never wrapped onto a
    # line PostNL's machines would read as the next part of the address.
    while text and pdf.get_string_width(text) > width:
        text = text[:-1]
    return text


def draw_qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    """Draw a QR code for ``data`` as filled rectangles (one per run of dark modules
    in a row): sharp at any print resolution and no image object per page."""
    # A fixed mask: any of the eight decodes, and scoring all eight (what qrcode does
    # by default) costs more than the rest of the letter.
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, mask_pattern=2)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()  # includes the 4-module quiet zone
    module = size / len(matrix)
    k, page_height = pdf.k, pdf.h
    ops = []
    for row_number, row in enumerate(matrix):
        start = None
        for column, dark in enumerate([*row, False]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                left, top = x + start * module, y + row_number * module
                ops.append(
                    f"{left * k:.3f} {(page_height - top) * k:.3f} "
                    f"{(column - start) * module * k:.3f} {-module * k:.3f} re"
                )
                start = None
    # One path filled once (what pdf.rect would write, without a call per module).
    pdf.set_fill_color(0)
    pdf._out(" ".join(ops) + " f")


def _common_text(ctx: LetterContext) -> dict[str, Any]:
    # Letters are Dutch: the formats are too, whatever language a clerk's page is in.
    def when(moment: datetime) -> str:
        return format_moment(moment, "EEEE d MMMM y 'om' HH:mm", locale="nl")

    if ctx.is_budget:
        amount = format_money(ctx.budget, locale="nl") if ctx.budget is not None else "het geld"
        intro = (
            f"Er is {amount} voor uw buurt. U mag mee beslissen waaraan dat geld wordt "
            f"besteed. Er zijn {len(ctx.options)} voorstellen. U kiest de voorstellen die "
            "u het beste vindt. Alle voorstellen staan op:"
        )
        choices = [ctx.proposals_url]
    else:
        intro = f"U mag meestemmen. De vraag is: {ctx.question or ctx.title}"
        choices = [f"{key}. {title}" for key, title in ctx.options]
    if ctx.stages:
        intro = (
            f"U mag mee beslissen over {ctx.title}. Dat gaat in {len(ctx.stages)} "
            "stappen. Met de code in deze brief doet u aan alle stappen mee:"
        )
        if ctx.stages_begun:
            intro = (
                f"U mag mee beslissen over {ctx.title}. Een deel van de stappen is al "
                "begonnen. Met de code in deze brief doet u mee aan de stappen die nog "
                "komen:"
            )
        choices = list(ctx.stages)
    if ctx.stages:
        period = (
            "Ideeën indienen gebruikt uw code niet op. Alles over de stappen staat op "
            f"{ctx.proposals_url}"
        )
    elif ctx.opens_at and ctx.closes_at:
        period = f"U kunt stemmen van {when(ctx.opens_at)} tot {when(ctx.closes_at)}."
    elif ctx.closes_at:
        period = f"U kunt stemmen tot {when(ctx.closes_at)}."
    elif ctx.opens_at:
        period = f"U kunt stemmen vanaf {when(ctx.opens_at)}."
    else:
        period = "Wanneer u kunt stemmen, staat op de website van de gemeente."
    if ctx.turnout_threshold_percent:
        period += (
            f" De uitslag telt alleen als minstens {ctx.turnout_threshold_percent}% van de "
            "kiezers stemt. Uw stem telt dus mee."
        )
    return {
        "date": format_day(ctx.letter_date, locale="nl"),
        "intro": intro,
        "choices": choices,
        "when": period,
        "how": (
            f"1. Ga naar {ctx.base_url.rstrip('/')}/ of scan de QR-code.\n"
            "2. Typ uw stemcode. Hoofdletters, streepjes en spaties maken niet uit.\n"
            "3. Kies en bevestig uw stem. U krijgt een bewijs dat uw stem is geteld."
        ),
        "paper": (
            f"Stemmen op papier? Vraag een stembiljet aan bij {ctx.help_desk} of bel "
            f"{ctx.help_phone}. Hulp nodig bij het stemmen? Bel ook dat nummer of kom "
            "langs. Iemand anders mag u helpen, maar uw stem is van u."
        ),
        "keep": (
            "Bewaar deze brief goed. Laat uw code aan niemand zien. Brief kwijt? Vraag "
            "een nieuwe aan bij de gemeente. De oude code werkt dan niet meer."
        ),
    }


# --- Streams ----------------------------------------------------------------------------

Progress = Callable[[int], None]


def stream_letters_pdf(
    context: LetterContext,
    batches: Iterable[list[Letter]],
    *,
    per_pdf: int = LETTERS_PER_PDF,
    progress: Progress | None = None,
    font_dir: Path | str | None = "auto",
) -> Iterator[bytes]:
    """All letters in one PDF, streamed as it is made: letters are rendered ``per_pdf``
    at a time (fpdf2 holds a document in memory until it is written) and each part is
    joined onto the output at once (:mod:`voting.documents.pdf_concat`), so memory stays flat
    and the first bytes leave after the first ``per_pdf`` letters. ``progress`` gets
    the number of letters done after each batch."""

    def parts() -> Iterator[bytes]:
        pending: list[Letter] = []
        done = made = 0
        for batch in batches:
            for letter in batch:
                pending.append(letter)
                done += 1
                if len(pending) == per_pdf:
                    yield _render(context, pending, font_dir)
                    made += 1
                    pending = []
            if progress:
                progress(done)
        if pending or not made:
            # No letters at all still gives a PDF (one blank page, as fpdf2 makes it).
            yield _render(context, pending, font_dir)

    yield from concat_pdfs(parts())


def _render(context: LetterContext, letters: list[Letter], font_dir: Path | str | None) -> bytes:
    writer = LetterPDF(context, font_dir=font_dir)
    for letter in letters:
        writer.add(letter)
    return writer.output()


def letters_pdf(
    context: LetterContext,
    batches: Iterable[list[Letter]],
    *,
    progress: Progress | None = None,
    font_dir: Path | str | None = "auto",
) -> bytes:
    """All letters in one PDF, in memory (for a few letters: a reissued one; use
    :func:`stream_letters_pdf` for a run)."""
    return b"".join(stream_letters_pdf(context, batches, progress=progress, font_dir=font_dir))


def mail_merge_header() -> bytes:
    """The CSV's first bytes: a BOM (so Excel reads UTF-8) and the header row."""
    return b"\xef\xbb\xbf" + _csv_line(MAIL_MERGE_COLUMNS)


def mail_merge_rows(context: LetterContext, letters: Iterable[Letter]) -> bytes:
    """The mail-merge CSV rows for ``letters`` (semicolons, as Dutch Excel expects)."""
    return b"".join(
        _csv_line(
            (
                str(letter.number or ""),
                letter.resident.name,
                letter.resident.address,
                letter.resident.postcode_printed,
                letter.resident.town.upper(),
                codes.formatted(letter.code),
                qr_url(context.base_url, letter.code),
                context.title,
            )
        )
        for letter in letters
    )


def stream_mail_merge(context: LetterContext, batches: Iterable[list[Letter]]) -> Iterator[bytes]:
    """The mail-merge CSV alone, streamed batch by batch."""
    yield mail_merge_header()
    for batch in batches:
        yield mail_merge_rows(context, batch)


def _csv_line(values: Iterable[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerow(
        # A leading =, +, - or @ would make a spreadsheet run the cell as a formula.
        [f"'{v}" if v[:1] in ("=", "+", "-", "@") else v for v in values]
    )
    return out.getvalue().encode("utf-8")


class _Sink(io.RawIOBase):
    """A write-only, unseekable file that hands out what was written so far: lets
    ``zipfile`` stream (it writes data descriptors when it cannot seek back)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def stream_letters_zip(
    context: LetterContext,
    batches: Iterable[list[Letter]],
    *,
    pdf: bool = True,
    mail_merge: bool = True,
    per_pdf: int = LETTERS_PER_PDF,
    progress: Progress | None = None,
    font_dir: Path | str | None = "auto",
) -> Iterator[bytes]:
    """A ZIP streamed as it is made: ``brieven-00001-00500.pdf``, ... (``per_pdf``
    letters each, so memory stays flat however many letters there are) and
    ``drukkerij.csv`` (the mail merge, when ``mail_merge``). Each yielded chunk can be
    sent at once; ``progress`` gets the number of letters done."""
    sink = _Sink()
    done = 0
    rows: list[bytes] = [mail_merge_header()] if mail_merge else []
    pending: list[Letter] = []
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def write_pdf() -> None:
            first = done - len(pending) + 1
            writer = LetterPDF(context, font_dir=font_dir)
            for letter in pending:
                writer.add(letter)
            # Stored, not deflated: fpdf2 already compresses the page streams.
            archive.writestr(
                f"brieven-{first:05d}-{done:05d}.pdf",
                writer.output(),
                compress_type=zipfile.ZIP_STORED,
            )
            pending.clear()

        for batch in batches:
            for letter in batch:
                done += 1
                if pdf:
                    pending.append(letter)
                    if len(pending) == per_pdf:
                        write_pdf()
                        if progress:
                            progress(done)
                        yield sink.take()
            if mail_merge:
                rows.append(mail_merge_rows(context, batch))
            if progress:
                progress(done)
        if pending:
            write_pdf()
        if mail_merge:
            # The CSV is small (about 150 bytes a letter) and goes in last, in one piece.
            archive.writestr("drukkerij.csv", b"".join(rows))
    yield sink.take()
