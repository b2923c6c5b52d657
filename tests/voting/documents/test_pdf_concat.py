"""Joining PDFs while streaming: the letters of a run as one PDF made of parts, valid
for a strict reader, in order, with memory flat."""

from __future__ import annotations

import gc
import io
import os
import re
import shutil
import subprocess
import threading
import tracemalloc
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.voting.documents.test_letters import CONTEXT, letters
from voting import codes
from voting.documents.letters import LetterPDF, letters_pdf, stream_letters_pdf
from voting.documents.pdf_concat import PdfConcatenator, PdfConcatError, concat_pdfs
from voting.roll import Letter


def part(made: list[Letter]) -> bytes:
    """One fpdf2 document of ``made``, as the letters module renders a part."""
    writer = LetterPDF(CONTEXT)
    for letter in made:
        writer.add(letter)
    return writer.output()


def strict(data: bytes) -> PdfReader:
    """``data`` read by pypdf in strict mode, every warning an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reader = PdfReader(io.BytesIO(data), strict=True)
        for page in reader.pages:  # resolve every page and what it inherits
            page.mediabox  # noqa: B018
            page.get_contents()
    return reader


def page_codes(reader: PdfReader) -> list[str]:
    """The formatted code printed on each page, in page order."""
    found = []
    for page in reader.pages:
        text = page.extract_text()
        found.append(next(w for w in text.split() if w.count("-") == 4 and len(w) == 21))
    return found


def build_pdf(objects: dict[int, bytes], trailer: bytes = b"/Root 1 0 R") -> bytes:
    """A hand-made PDF with a correct classic cross-reference table."""
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = {}
    for num, body in sorted(objects.items()):
        offsets[num] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, body)
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for num in range(1, size):
        out += b"%010d 00000 n \n" % offsets[num] if num in offsets else b"0000000000 00001 f \n"
    out += b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer, xref)
    return out


CONTENT = b"BT /F1 12 Tf 20 20 Td (Hello 4 0 R) Tj ET"  # 41 bytes
BINARY = b"\x00\xff endstream\r\n7 0 R (unbalanced \\ \r\nendobj"


def handmade(title: bytes) -> bytes:
    """Two pages under a nested page tree that gives them their size, rotation and
    fonts; strings and a binary stream that look like references."""
    return build_pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R /PageMode /UseNone >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 2 /MediaBox [0 0 200 300]"
            b" /Resources 6 0 R >>",
            3: b"<< /Type /Pages /Parent 2 0 R /Kids [4 0 R 7 0 R] /Count 2 /Rotate 90 >>",
            4: b"<< /Type /Page /Parent 3 0 R /Contents 5 0 R /Extra 10 0 R >>",
            5: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(CONTENT), CONTENT),
            6: b"<< /Font << /F1 8 0 R >> >>",
            7: b"<</Type/Page/Parent 3 0 R/MediaBox[0 0 100 100]/Contents 5 0 R>>",
            8: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            9: b"<< /Title %s /Producer <48692033> >>" % title,
            10: b"<< /Length 11 0 R >>\nstream\r\n%s\nendstream" % BINARY,
            11: b"%d" % len(BINARY),
            # 12 is free: a gap in the numbers
            13: b"[/A#20B 1 0 3 0 R]",
        },
        b"/Root 1 0 R /Info 9 0 R",
    )


def test_three_parts_of_different_sizes_make_one_valid_pdf() -> None:
    made = letters(7)
    data = b"".join(concat_pdfs([part(made[:4]), part(made[4:5]), part(made[5:])]))
    reader = strict(data)
    assert len(reader.pages) == 7
    assert page_codes(reader) == [codes.formatted(letter.code) for letter in made]
    for letter, page in zip(made, reader.pages, strict=True):
        assert letter.resident.name in page.extract_text()
        assert [round(float(v), 2) for v in page.mediabox] == [0, 0, 595.28, 841.89]
    assert reader.metadata is not None and reader.metadata.title == "Brieven Centrumplan Duiven"
    assert reader.metadata.creator == "Buurtstem"
    assert reader.trailer["/Root"]["/PageLayout"] == "/OneColumn"
    # Each part's font subsets keep their own, different names.
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert len([f for f in fonts if f.endswith("+DejaVuSansBook")]) == 3


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_poppler_renders_the_first_and_the_last_page(tmp_path: Path) -> None:
    made = letters(6)
    path = tmp_path / "brieven.pdf"
    path.write_bytes(b"".join(concat_pdfs([part(made[:1]), part(made[1:4]), part(made[4:])])))
    for number in (1, 6):
        result = subprocess.run(
            ["pdftoppm", "-r", "20", "-f", str(number), "-l", str(number), "-png", str(path)],
            capture_output=True,
            check=True,
        )
        assert result.stdout.startswith(b"\x89PNG")
        assert not result.stderr  # poppler complains on stderr about broken files


def test_streamed_letters_come_in_parts_in_order_and_early() -> None:
    made = letters(7)
    consumed: list[int] = []

    def batches() -> Iterator[list[Letter]]:
        for start in range(0, 7, 2):
            consumed.append(start)
            yield made[start : start + 2]

    done: list[int] = []
    stream = stream_letters_pdf(CONTEXT, batches(), per_pdf=3, progress=done.append)
    first = next(stream)
    # Out after the first three letters, before the run has been read to the end.
    assert first.startswith(b"%PDF-1.3\n") and consumed == [0, 2]
    data = first + b"".join(stream)
    assert done == [2, 4, 6, 7]
    reader = strict(data)
    assert page_codes(reader) == [codes.formatted(letter.code) for letter in made]


def test_no_letters_still_give_a_pdf() -> None:
    assert len(strict(letters_pdf(CONTEXT, [])).pages) == 1


def test_references_are_renumbered_outside_strings_and_streams() -> None:
    data = b"".join(concat_pdfs([handmade(b"(Plan 4 0 R \\) (x))"), handmade(b"(Tweede)")]))
    reader = strict(data)
    assert len(reader.pages) == 4
    for page in reader.pages:
        # Inherited from the old tree (the new root has neither), own values kept.
        assert page.rotation == 90
        assert page["/Resources"]["/Font"]["/F1"]["/BaseFont"] == "/Helvetica"
        assert page.get_contents().get_data() == CONTENT
    assert [float(v) for v in reader.pages[0].mediabox] == [0, 0, 200, 300]
    assert [float(v) for v in reader.pages[1].mediabox] == [0, 0, 100, 100]
    assert reader.pages[0]["/Extra"].get_object().get_data() == BINARY
    assert reader.pages[2]["/Extra"].get_object().get_data() == BINARY
    # The first document's information and catalog entries stand for the whole.
    assert reader.metadata is not None and reader.metadata.title == "Plan 4 0 R ) (x)"
    assert reader.trailer["/Root"]["/PageMode"] == "/UseNone"
    assert b"(Hello 4 0 R)" in data and b"(Tweede)" not in data
    # "1 0" before a reference is two numbers; the reference (to a page tree node that
    # is left out) now points at the shared root.
    assert re.search(rb"\[/A#20B 1 0 1 0 R\]", data)


def test_what_cannot_be_joined_is_refused() -> None:
    good = handmade(b"(x)")
    with pytest.raises(PdfConcatError, match="not a PDF"):
        PdfConcatenator().add(b"<html>")
    with pytest.raises(PdfConcatError, match="cross-reference"):
        # startxref pointing at an object: a cross-reference stream.
        PdfConcatenator().add(good.replace(b"startxref\n", b"startxref\n9\n%"))
    encrypted = build_pdf({1: b"<< /Type /Catalog /Pages 2 0 R >>"}, b"/Root 1 0 R /Encrypt 1 0 R")
    with pytest.raises(PdfConcatError, match="Encrypt"):
        PdfConcatenator().add(encrypted)
    with pytest.raises(PdfConcatError, match="Length"):
        PdfConcatenator().add(good.replace(b"/Length 41 ", b"/Length 40 "))
    with pytest.raises(PdfConcatError, match="nothing to join"):
        PdfConcatenator().finish()


def test_the_joiner_holds_one_part_at_a_time() -> None:
    # Its peak with 20 parts is hardly above its peak with 5: it keeps a few bytes an
    # object, never the parts it has sent on.
    one = part(letters(100))

    def peak(parts: int) -> int:
        tracemalloc.start()
        try:
            total = sum(len(piece) for piece in concat_pdfs(one for _ in range(parts)))
            top = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert total > parts * len(one) * 0.9
        return top

    few, many = peak(5), peak(20)
    print(f"joiner peak: {few:,} B for 5 parts, {many:,} B for 20 (a part: {len(one):,} B)")
    assert many < few + len(one), (few, many, len(one))


def test_memory_stays_flat_as_letters_stream() -> None:
    # Resident memory, sampled in a thread, while 2,000 letters stream in parts of 200.
    # Measured: about 5 MB (the old single fpdf2 document grew 23 MB for these).
    made = letters(2000)
    letters_pdf(CONTEXT, [made[:5]])  # fonts and layout loaded before the baseline
    gc.collect()
    baseline = peak = _rss()
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.wait(0.01):
            peak = max(peak, _rss())

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    size = 0
    try:
        for piece in stream_letters_pdf(CONTEXT, [made], per_pdf=200):
            size += len(piece)  # sent on at once, nothing kept
    finally:
        stop.set()
        thread.join()
    growth = (max(peak, _rss()) - baseline) / 2**20
    assert size > 2000 * 2500
    print(f"2,000 letters streamed: memory grew {growth:.1f} MB")
    assert growth < 15, f"memory grew {growth:.1f} MB"


def _rss() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        pytest.skip("no /proc/self/statm")
