"""One page style for the A4 documents people keep: receipts, paper ballots, the
proces-verbaal. (Letters have their own layout, fixed by the window envelope, and
share only the fonts.)

Every page: the municipality at the top, a footer with the document's name and the
page number, 18 mm margins; text through :meth:`DocumentPDF.heading`,
:meth:`~DocumentPDF.para`, :meth:`~DocumentPDF.code`, :meth:`~DocumentPDF.facts` and
:meth:`~DocumentPDF.grid`, each cleaned for the fonts in use (:mod:`.fonts`).
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from voting.documents.fonts import Fonts, close_fonts, use_fonts

MARGIN = 18.0  # mm, left and right
TOP = 22.0  # mm: below the header line
BOTTOM = 18.0  # mm: above the footer
BODY_SIZE = 10.0  # staff documents: the proces-verbaal
READING_SIZE = 12.0  # documents residents fill in or keep: the paper ballot, the receipt
# mm a heading needs below it on its page: itself and the first lines or table rows of
# what it heads. Less than this left, and the heading starts the next page instead.
KEEP_WITH_NEXT = 22.0


class DocumentPDF(FPDF):
    """An A4 document in the house style. ``municipality`` heads every page,
    ``footer_text`` (with the page number) ends it; ``title`` is the file's title;
    ``body_size`` is the running text's size in points."""

    def __init__(
        self,
        *,
        municipality: str,
        title: str,
        footer_text: str = "",
        font_dir: Path | str | None = "auto",
        body_size: float = BODY_SIZE,
    ) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.body_size = body_size
        self.faces: Fonts = use_fonts(self, font_dir)
        self.municipality = municipality
        self.footer_text = footer_text
        self.set_margins(MARGIN, TOP, MARGIN)
        self.set_auto_page_break(auto=True, margin=BOTTOM)
        self.set_title(self.clean(title))
        self.set_author(self.clean(municipality or "Buurtstem"))
        self.set_creator("Buurtstem")
        self.alias_nb_pages()

    @property
    def width(self) -> float:
        """The width of the text column in mm."""
        return self.w - self.l_margin - self.r_margin

    def clean(self, text: str) -> str:
        """``text`` as this document's fonts can print it."""
        return self.faces.clean(text)

    def header(self) -> None:
        """The municipality, small and bold, over a thin line."""
        self.set_xy(MARGIN, 10)
        self.set_font(self.faces.sans, "B", 9)
        self.cell(0, 5, self.clean(self.municipality))
        self.set_draw_color(160)
        self.set_line_width(0.2)
        self.line(MARGIN, 16.5, self.w - MARGIN, 16.5)
        self.set_xy(MARGIN, TOP)
        self.set_font(self.faces.sans, "", self.body_size)

    def footer(self) -> None:
        """The document's name and 'page/pages', centred."""
        self.set_y(-12)
        self.set_font(self.faces.sans, "", 8)
        parts = [p for p in (self.footer_text, f"{self.page_no()}/{{nb}}") if p]
        self.cell(0, 6, self.clean(" · ".join(parts)), align="C")

    def heading(self, text: str, size: float = 13) -> None:
        """A bold heading on its own lines, with a little room above; near the foot of a
        page it moves to the next one, so it is never left alone above a page break."""
        if self.y + KEEP_WITH_NEXT > self.page_break_trigger:
            self.add_page()
        else:
            self.ln(2)
        self.set_font(self.faces.sans, "B", size)
        self.multi_cell(
            0, size * 0.5 + 0.5, self.clean(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.set_font(self.faces.sans, "", self.body_size)

    def para(self, text: str, *, bold: bool = False, size: float | None = None) -> None:
        """A paragraph of running text, in the body size unless ``size`` is given."""
        size = size or self.body_size
        self.set_font(self.faces.sans, "B" if bold else "", size)
        # Ragged right, never justified: even word spacing reads more easily.
        self.multi_cell(
            0, size * 0.55, self.clean(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.set_font(self.faces.sans, "", self.body_size)

    def code(self, text: str, *, size: float = 8, bold: bool = False) -> None:
        """A hash, key or receipt number in the fixed-width font, broken anywhere."""
        self.set_font(self.faces.mono, "B" if bold else "", size)
        self.multi_cell(
            0,
            size * 0.56,
            self.clean(text),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            wrapmode=WrapMode.CHAR,
        )
        self.set_font(self.faces.sans, "", self.body_size)

    def facts(self, rows: list[tuple[str, str]], label_width: float = 55) -> None:
        """A two-column table of labels and values, without a heading row."""
        self.set_font(self.faces.sans, "", self.body_size)
        widths = (label_width, self.width - label_width)
        with self.table(col_widths=widths, text_align="LEFT", first_row_as_headings=False) as table:
            for label, value in rows:
                row = table.row()
                row.cell(self.clean(label))
                row.cell(self.clean(value))

    def grid(self, headings: list[str], rows: list[list[str]], widths: tuple[float, ...]) -> None:
        """A table with a heading row; ``widths`` in mm (or in proportion)."""
        self.set_font(self.faces.sans, "", 9)
        with self.table(col_widths=widths, text_align="LEFT") as table:
            head = table.row()
            for text in headings:
                head.cell(self.clean(text))
            for values in rows:
                row = table.row()
                for text in values:
                    row.cell(self.clean(text))
        self.set_font(self.faces.sans, "", self.body_size)

    def finish(self) -> bytes:
        """The finished PDF's bytes (and the font files closed)."""
        data = bytes(self.output())
        close_fonts(self)
        return data
