"""Letters: one A4 page per resident with the right code, the QR, the window position,
the mail merge and the ZIP of PDFs."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageDraw
from pypdf import PdfReader

from tests.voting.pdf_text import text_sizes
from voting import codes
from voting.documents.letters import (
    LetterContext,
    letters_pdf,
    mail_merge_header,
    mail_merge_rows,
    qr_url,
    stream_letters_zip,
)
from voting.roll import Letter
from voting.roll_import import Resident

MM = 72 / 25.4  # points per millimetre
CONTEXT = LetterContext(
    municipality="Gemeente Duiven",
    title="Centrumplan Duiven",
    question="Welk plan voor het centrum wilt u het liefst?",
    base_url="https://stem.duiven.nl/",
    options=(("A", "Winkelhart"), ("B", "Groen plein"), ("C", "Wonen en zorg")),
    opens_at=datetime(2026, 3, 18, 7, 30, tzinfo=UTC),
    closes_at=datetime(2026, 3, 25, 20, 0, tzinfo=UTC),
    help_phone="14 026",
    letter_date=date(2026, 3, 1),
)


def resident(number: int, name: str = "Anna de Vries") -> Resident:
    """A resident for a letter."""
    return Resident(
        line=number + 1,
        person_reference=f"R{number}",
        name=name,
        address=f"Dorpsstraat {number}",
        postcode="6921AB",
        town="Duiven",
        birth_date=date(1980, 1, 1),
    )


def letters(count: int) -> list[Letter]:
    """``count`` letters with fresh codes."""
    return [Letter(resident(n, f"Bewoner {n} Çelik"), codes.generate()) for n in range(count)]


def test_qr_url_puts_the_normalised_code_in_the_fragment() -> None:
    assert qr_url("https://stem.duiven.nl/", "k7qm-3xd9-pa2f-w8rt-6") == (
        "https://stem.duiven.nl/stem/qr#K7QM3XD9PA2FW8RT6"
    )


def test_one_page_per_resident_with_their_code_and_address() -> None:
    made = letters(5)
    reader = PdfReader(io.BytesIO(letters_pdf(CONTEXT, [made[:2], made[2:]])))
    assert len(reader.pages) == 5
    for letter, page in zip(made, reader.pages, strict=True):
        text = " ".join(page.extract_text().split())
        assert codes.formatted(letter.code) in text
        assert letter.resident.name in text  # Unicode names print as written
        assert "6921 AB DUIVEN" in text
        assert "Ga naar https://stem.duiven.nl/ of scan" in text
        assert "B. Groen plein" in text
        assert "woensdag 18 maart 2026 om 08:30" in text  # Dutch time
        assert "Stemmen op papier? Vraag een stembiljet aan" in text
        assert "14 026" in text
        others = [o.code for o in made if o is not letter]
        assert not any(codes.formatted(code) in text for code in others)
    assert reader.pages[0].mediabox.width == pytest.approx(210 * MM, abs=0.5)
    assert reader.pages[0].mediabox.height == pytest.approx(297 * MM, abs=0.5)


def _positions(page) -> dict[str, tuple[float, float]]:  # type: ignore[no-untyped-def]
    found: dict[str, tuple[float, float]] = {}

    def visit(text, _cm, tm, _font, _size) -> None:  # type: ignore[no-untyped-def]
        if text.strip():
            # millimetres from the left and from the top of the page
            found.setdefault(text.strip(), (tm[4] / MM, 297 - tm[5] / MM))

    page.extract_text(visitor_text=visit)
    return found


def test_address_sits_in_the_window_and_the_code_below_the_fold() -> None:
    [letter] = letters(1)
    page = PdfReader(io.BytesIO(letters_pdf(CONTEXT, [[letter]]))).pages[0]
    where = _positions(page)
    for line in (letter.resident.name, letter.resident.address, "6921 AB  DUIVEN"):
        x, y = where[line]
        assert 19.9 <= x <= 105 and 50 <= y <= 80, (line, x, y)
    x, y = where["Retour: Gemeente Duiven"]
    assert x >= 19.9 and 45 <= y < 50
    _, code_y = where[codes.formatted(letter.code)]
    assert code_y > 99  # below the first fold: never visible through the window


def _qr_image(page) -> Image.Image:  # type: ignore[no-untyped-def]
    # Rasterise the QR from the rectangles in the page's content stream: what a
    # printer would print, without needing a PDF renderer.
    content = page.get_contents().get_data().decode("latin-1")
    boxes = [
        tuple(float(v) for v in m.groups())
        for m in re.finditer(r"([\d.]+) ([\d.]+) ([\d.]+) (-[\d.]+) re", content)
    ]
    # QR runs are one module high (about 3 pt); the frame around the code is 46 mm.
    boxes = [b for b in boxes if abs(b[3]) < 10]
    assert len(boxes) > 50
    scale = 4  # pixels per point
    image = Image.new("L", (int(210 * MM * scale), int(297 * MM * scale)), 255)
    draw = ImageDraw.Draw(image)
    height = 297 * MM
    for x, y, w, h in boxes:
        # Shared edges round to the same pixel, so neighbouring modules leave no gap.
        left, right = round(x * scale), round((x + w) * scale)
        top, bottom = round((height - y) * scale), round((height - y - h) * scale)
        draw.rectangle([left, top, right - 1, bottom - 1], fill=0)
    return image


def test_the_qr_decodes_to_the_voting_url_with_the_code() -> None:
    made = letters(12)
    reader = PdfReader(io.BytesIO(letters_pdf(CONTEXT, [made])))
    for letter, page in zip(made, reader.pages, strict=True):
        [barcode] = zxingcpp.read_barcodes(_qr_image(page))
        assert barcode.text == f"https://stem.duiven.nl/stem/qr#{letter.code}"
        assert barcode.text == qr_url(CONTEXT.base_url, letter.code)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_the_printed_page_scans(tmp_path: Path) -> None:
    [letter] = letters(1)
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(letters_pdf(CONTEXT, [[letter]]))
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "p")], check=True)
    [png] = tmp_path.glob("p*.png")
    with Image.open(png) as image:
        texts = [b.text for b in zxingcpp.read_barcodes(image)]
    assert texts == [qr_url(CONTEXT.base_url, letter.code)]


def test_budget_letters_point_at_the_proposals() -> None:
    context = LetterContext(
        municipality="Gemeente Eindhoven",
        title="Buurtbudget Oud-Woensel",
        question="",
        base_url="https://stem.eindhoven.nl",
        options=tuple((f"P{n:02d}", f"Voorstel {n}") for n in range(12)),
        is_budget=True,
        budget=50_000,
        proposals_url="https://stem.eindhoven.nl/voorstellen/oud-woensel",
    )
    page = PdfReader(io.BytesIO(letters_pdf(context, [letters(1)]))).pages[0]
    text = " ".join(page.extract_text().split())
    assert "€ 50.000" in text and "12 voorstellen" in text
    assert "https://stem.eindhoven.nl/voorstellen/oud-woensel" in text
    assert "Voorstel 3" not in text


def test_without_dejavu_the_core_fonts_print_what_they_can() -> None:
    made = [
        Letter(resident(1, "Łukasz Kowalski-Müller"), codes.generate()),
        Letter(resident(2, "Zoë Çelik"), codes.generate()),
    ]
    data = letters_pdf(CONTEXT, [made], font_dir=None)
    reader = PdfReader(io.BytesIO(data))
    first, second = (page.extract_text() for page in reader.pages)
    assert "Lukasz Kowalski-Müller" in first
    assert "Zoë Çelik" in second
    assert codes.formatted(made[0].code) in first
    assert b"DejaVu" not in data


def test_mail_merge_rows_and_formula_cells() -> None:
    letter = Letter(resident(1, "=HYPERLINK(1)"), "K7QM3XD9PA2FW8RT6", 1)
    data = mail_merge_header() + mail_merge_rows(CONTEXT, [letter])
    text = data.decode("utf-8-sig")
    header, row = text.splitlines()
    assert header.startswith("volgnummer;naam;adres;postcode;woonplaats;stemcode;qr_url")
    assert row.split(";") == [
        "1",  # the letter's number in the run, as "Kenmerk" on the letter
        "'=HYPERLINK(1)",
        "Dorpsstraat 1",
        "6921 AB",
        "DUIVEN",
        "K7QM-3XD9-PA2F-W8RT-6",
        "https://stem.duiven.nl/stem/qr#K7QM3XD9PA2FW8RT6",
        "Centrumplan Duiven",
    ]


def test_zip_holds_pdfs_of_bounded_size_and_the_mail_merge() -> None:
    made = letters(7)
    chunks = list(stream_letters_zip(CONTEXT, [made[:4], made[4:]], per_pdf=3))
    assert len(chunks) > 2  # streamed as PDFs are finished, not in one piece
    with zipfile.ZipFile(io.BytesIO(b"".join(chunks))) as archive:
        names = archive.namelist()
        assert names == [
            "brieven-00001-00003.pdf",
            "brieven-00004-00006.pdf",
            "brieven-00007-00007.pdf",
            "drukkerij.csv",
        ]
        pages = [PdfReader(io.BytesIO(archive.read(n))).pages for n in names[:3]]
        assert [len(p) for p in pages] == [3, 3, 1]
        printed = [p.extract_text() for group in pages for p in group]
        rows = archive.read("drukkerij.csv").decode("utf-8-sig").splitlines()[1:]
    for letter, text, row in zip(made, printed, rows, strict=True):
        assert codes.formatted(letter.code) in text
        assert row.split(";")[5] == codes.formatted(letter.code)


def test_too_many_options_point_at_the_website_and_everything_stays_on_the_page() -> None:
    context = LetterContext(
        municipality="Gemeente Duiven",
        title="Centrumplan Duiven",
        question="Welk plan kiest u?",
        base_url="https://stem.duiven.nl",
        options=tuple((f"O{n:02d}", f"Plan {n} met een wat langere naam") for n in range(12)),
    )
    [letter] = letters(1)
    page = PdfReader(io.BytesIO(letters_pdf(context, [[letter]]))).pages[0]
    text = " ".join(page.extract_text().split())
    assert "Alle 12 keuzes staan op https://stem.duiven.nl/" in text
    assert "Plan 3 met" not in text
    where = _positions(page)
    assert "De oude code werkt dan niet meer." in text
    _, footer_y = where["Gemeente Duiven · https://stem.duiven.nl"]
    assert max(y for _, y in where.values() if y != footer_y) < 285


def test_the_letter_is_printed_large_enough_to_read() -> None:
    # Older residents read the letter on paper: everything below the address (the
    # question, the options, the code and the instructions) is at least 11 pt.
    [letter] = letters(1)
    page = PdfReader(io.BytesIO(letters_pdf(CONTEXT, [[letter]]))).pages[0]
    sizes = text_sizes(page, top=90, bottom=284)
    assert "Zo stemt u" in sizes and "C. Wonen en zorg" in sizes
    assert codes.formatted(letter.code) in sizes
    assert {line: size for line, size in sizes.items() if size < 11} == {}


def test_letters_label_options_by_their_key_as_the_record_does(db_session, make_election) -> None:
    # Option B was removed before voting; past 26 options keys go on as O27, O28.
    from voting import elections
    from voting.documents.letters import _common_text
    from voting.tally import record_options

    election = make_election(phase="draft", options=["Winkelhart", "Groen plein", "Wonen"])
    for number in range(3, 28):
        elections.add_option(db_session, election, title=f"Plan {number}", actor="test")
    elections.remove_option(db_session, election, election.options[1], actor="test")
    db_session.commit()
    context = LetterContext.for_election(election, {"PUBLIC_BASE_URL": "https://stem.nl"})
    recorded = [(o.id, o.name) for o in record_options(election)]
    assert context.options == tuple(recorded)
    assert ("P03", "Wonen") in context.options and ("O28", "Plan 27") in context.options
    text = _common_text(context)["choices"]
    assert "P03. Wonen" in text and "O28. Plan 27" in text and not any("Groen" in t for t in text)
