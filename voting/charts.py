"""Result pictures as inline SVG, drawn on the server so they work without JavaScript.

Every builder is a pure function from numbers and (already translated) words to an
SVG string. Each picture has ``role="img"``, a ``<title>`` and a ``<desc>`` it is
labelled by; every text is escaped; meaning never rests on colour alone (marked bars
carry a text label and a hatch pattern). Only SVG presentation attributes are used,
no ``style``, so the site's Content-Security-Policy (``style-src 'self'``) allows them.
The page puts a text table next to each picture for screen readers.

Numbers are drawn from exact fractions; rounding happens only to place pixels and to
write labels, never to decide anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

# Escapes output, parses nothing (bandit B406).
from xml.sax.saxutils import escape as _xml_escape  # nosec B406

from voting.formatting import format_money, format_number

# Drawn 400 units wide: on a 320 px phone (about 284 px for the picture) text of 18
# units is still 12.8 px; the style sheet caps the picture's width on wide screens.
WIDTH = 400
ROW = 56  # one labelled bar: label line, bar, gap
RESERVE = 170  # room right of the longest bar for its value and mark
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
INK = "#1b1b1b"
MUTED = "#4a4a4a"
BAR = "#5b7f95"
MARKED = "#00567a"
MARKED_ALT = "#1d6b2f"
DROPPED = "#666666"  # eliminated: a neutral grey (5.7:1 on white), never a colour of success
LINE = "#8a8a8a"
SOFT = "#eef4f7"


def escape(text: object) -> str:
    """``text`` escaped for SVG/XML text and attribute values."""
    return _xml_escape(str(text), {'"': "&quot;", "'": "&#39;"})


def _px(value: Fraction | int) -> str:
    # Pixel positions to one decimal: enough for the eye, short in the markup. Not a
    # number people read, so never in their locale.
    exact = Fraction(value)
    rounded = Decimal(exact.numerator) / exact.denominator
    text = f"{rounded.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):f}"
    return text[:-2] if text.endswith(".0") else text


# --- shared pieces --------------------------------------------------------------------


def _open(chart_id: str, height: int, title: str, desc: str, width: int = WIDTH) -> list[str]:
    cid = escape(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" class="chart" id="{cid}" '
        f'font-family="{escape(FONT)}" font-size="18" fill="{INK}">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
        "<defs>",
        f'<pattern id="{cid}-hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)">'
        f'<rect width="8" height="8" fill="{MARKED}"/>'
        f'<line x1="0" y1="0" x2="0" y2="8" stroke="#ffffff" stroke-width="3"/></pattern>',
        f'<pattern id="{cid}-dots" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="{MARKED_ALT}"/>'
        f'<circle cx="4" cy="4" r="1.6" fill="#ffffff"/></pattern>',
        f'<pattern id="{cid}-dropped" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="{DROPPED}"/>'
        f'<circle cx="4" cy="4" r="1.6" fill="#ffffff"/></pattern>',
        "</defs>",
    ]


def _text(x: Fraction | int, y: int, text: str, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return f'<text x="{_px(x)}" y="{y}"{extra}>{escape(text)}</text>'


@dataclass(frozen=True)
class Bar:
    """One bar: a label, an exact value, the value as it is written next to the bar,
    and an optional mark (``"✓ gekozen"``) that also hatches the bar."""

    label: str
    value: Fraction
    shown: str = ""
    mark: str = ""
    dropped: bool = False  # eliminated: grey dots instead of the hatch


def _bars(cid: str, bars: Sequence[Bar], top: int, scale_max: Fraction) -> tuple[list[str], int]:
    """Rows of labelled horizontal bars from ``top``; returns the markup and the new y."""
    out: list[str] = []
    y = top
    usable = WIDTH - RESERVE
    for bar in bars:
        out.append(_text(0, y + 18, bar.label, font_weight="600"))
        length = Fraction(0) if scale_max <= 0 else Fraction(usable) * bar.value / scale_max
        fill = f"url(#{cid}-{'dropped' if bar.dropped else 'hatch'})" if bar.mark else BAR
        out.append(
            f'<rect x="0" y="{y + 24}" width="{_px(max(length, Fraction(0)))}" height="22" '
            f'fill="{fill}" stroke="{INK}" stroke-width="{1 if length > 0 else 0}"/>'
        )
        words = (bar.shown or format_number(bar.value)) + (f"  {bar.mark}" if bar.mark else "")
        out.append(
            _text(
                length + 8,
                y + 41,
                words,
                font_weight="700" if bar.mark else "400",
            )
        )
        y += ROW
    return out, y


# --- the pictures ---------------------------------------------------------------------


def bar_chart(*, chart_id: str, title: str, desc: str, bars: Sequence[Bar]) -> str:
    """Horizontal bars, one per option (votes, points, approvals), longest scale = the
    largest value. Marked bars are hatched and carry their mark as text."""
    height = 12 + ROW * max(len(bars), 1)
    out = _open(chart_id, height, title, desc)
    rows, _y = _bars(chart_id, bars, 8, max((b.value for b in bars), default=Fraction(0)))
    out += rows
    out.append("</svg>")
    return "\n".join(out)


@dataclass(frozen=True)
class RoundBars:
    """One round of a ranked count: a heading (``"Ronde 2"``), a sentence of what
    happened, and the bars of the options still in the count."""

    heading: str
    note: str
    bars: tuple[Bar, ...]


def rounds_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    rounds: Sequence[RoundBars],
    threshold: Fraction | None = None,
    threshold_label: str = "",
) -> str:
    """One group of bars per round (IRV, STV), all on one scale so rounds compare.

    ``threshold`` (the STV quota, or half the votes for IRV) is drawn as a dashed
    vertical line with ``threshold_label`` beside it.
    """
    scale = max((b.value for r in rounds for b in r.bars), default=Fraction(0))
    if threshold is not None:
        scale = max(scale, threshold)
    height = 8 + sum(68 + ROW * len(r.bars) for r in rounds) + (28 if threshold else 0)
    out = _open(chart_id, height, title, desc)
    y = 8
    if threshold is not None and scale > 0:
        x = Fraction(WIDTH - RESERVE) * threshold / scale
        out.append(_text(x + 4, y + 16, threshold_label, fill=MUTED, font_size="17"))
        y += 28
        line_top = y
    for group in rounds:
        out.append(f'<line x1="0" y1="{y}" x2="{WIDTH}" y2="{y}" stroke="{LINE}"/>')
        out.append(_text(0, y + 26, group.heading, font_weight="700", font_size="20"))
        out.append(_text(0, y + 50, group.note, fill=MUTED, font_size="17"))
        rows, y = _bars(chart_id, group.bars, y + 62, scale)
        out += rows
        y += 4
    if threshold is not None and scale > 0:
        out.append(
            f'<line x1="{_px(x)}" y1="{line_top}" x2="{_px(x)}" y2="{y}" stroke="{INK}" '
            'stroke-width="2" stroke-dasharray="6 4"/>'
        )
    out.append("</svg>")
    return "\n".join(out)


def pairwise_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    ids: Sequence[str],
    pairwise: dict[str, dict[str, int]],
    win_mark: str = "▲",
) -> str:
    """The Schulze pairwise matrix as a heat table: the cell in row A, column B holds
    how many voters prefer A to B; a cell where A beats B is darker and carries
    ``win_mark``, so the win is visible without colour."""
    n = len(ids)
    head = 40
    cell = max(48, min(120, (WIDTH - 40) // max(n, 1)))
    label_width = 40  # the row numbers; names are in the legend below the grid
    height = head + 10 + cell * n + 24 * n + 24
    # Many options: the grid grows wider rather than the cells too small to read.
    out = _open(chart_id, height, title, desc, width=max(WIDTH, label_width + cell * n))
    # Options are numbered in the grid; the legend below names them in full.
    for j, _option in enumerate(ids):
        out.append(
            _text(
                label_width + cell * j + cell // 2,
                head - 10,
                str(j + 1),
                text_anchor="middle",
                font_weight="700",
            )
        )
    biggest = max((v for row in pairwise.values() for v in row.values()), default=0)
    for i, a in enumerate(ids):
        y = head + cell * i
        out.append(
            _text(
                label_width - 8, y + cell // 2 + 5, str(i + 1), text_anchor="end", font_weight="700"
            )
        )
        for j, b in enumerate(ids):
            x = label_width + cell * j
            if a == b:
                out.append(
                    f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{LINE}" '
                    f'stroke="#ffffff"/>'
                )
                continue
            ours = int(pairwise.get(a, {}).get(b, 0))
            theirs = int(pairwise.get(b, {}).get(a, 0))
            wins = ours > theirs
            shade = Fraction(ours, biggest) if biggest else Fraction(0)
            fill = MARKED if wins else _mix(shade)
            colour = "#ffffff" if wins else INK
            out.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{fill}" '
                f'stroke="#ffffff" stroke-width="2"/>'
            )
            words = f"{ours} {win_mark}" if wins else str(ours)
            out.append(
                _text(
                    x + cell // 2,
                    y + cell // 2 + 5,
                    words,
                    text_anchor="middle",
                    fill=colour,
                    font_weight="700" if wins else "400",
                )
            )
    y = head + cell * n + 20
    for i, label in enumerate(labels):
        out.append(_text(0, y + 24 * i, f"{i + 1}. {label}"))
    out.append("</svg>")
    return "\n".join(out)


def _mix(share: Fraction) -> str:
    """A light blue, darker for a larger share (0..1) of the biggest count."""
    # From SOFT (#eef4f7) towards #a9c4d3: light enough for dark text at any share.
    start, end = (0xEE, 0xF4, 0xF7), (0xA9, 0xC4, 0xD3)
    parts = [round(s + (e - s) * share) for s, e in zip(start, end, strict=True)]
    return "#" + "".join(f"{p:02x}" for p in parts)


@dataclass(frozen=True)
class Segment:
    """A funded proposal in the budget bar: its label and cost."""

    label: str
    cost: Fraction


def budget_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    budget: Fraction,
    segments: Sequence[Segment],
    remaining_label: str,
) -> str:
    """One bar as wide as the whole budget, filled left to right with the funded
    proposals (numbered, alternating hatch and dots, amounts in the legend), and the
    money left unspent as an outlined, empty part labelled ``remaining_label``."""
    legend_top = 110
    height = legend_top + 28 * (len(segments) + 1) + 10
    out = _open(chart_id, height, title, desc)
    x = Fraction(0)
    top, bar_height = 30, 44
    out.append(
        f'<rect x="0" y="{top}" width="{WIDTH}" height="{bar_height}" fill="#ffffff" '
        f'stroke="{INK}" stroke-width="2" stroke-dasharray="6 4"/>'
    )
    for number, segment in enumerate(segments, start=1):
        width = Fraction(WIDTH) * segment.cost / budget if budget > 0 else Fraction(0)
        fill = f"url(#{chart_id}-hatch)" if number % 2 else f"url(#{chart_id}-dots)"
        out.append(
            f'<rect x="{_px(x)}" y="{top}" width="{_px(width)}" height="{bar_height}" '
            f'fill="{escape(fill)}" stroke="{INK}" stroke-width="1"/>'
        )
        if width >= 24:
            # A white disc behind the number keeps it readable on either pattern.
            cx = x + width / 2
            out.append(f'<circle cx="{_px(cx)}" cy="{top + 22}" r="11" fill="#ffffff"/>')
            out.append(_text(cx, top + 27, str(number), text_anchor="middle", font_weight="700"))
        x += width
    out.append(_text(0, top - 10, format_money(0), fill=MUTED, font_size="17"))
    out.append(
        _text(WIDTH, top - 10, format_money(budget), fill=MUTED, font_size="17", text_anchor="end")
    )
    out.append(_text(0, top + bar_height + 26, remaining_label))
    for number, segment in enumerate(segments, start=1):
        out.append(
            _text(
                0,
                legend_top + 28 * (number - 1) + 18,
                f"{number}. {segment.label}: {format_money(segment.cost)}",
            )
        )
    out.append("</svg>")
    return "\n".join(out)


def turnout_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    percent: Fraction,
    threshold: Fraction,
    percent_label: str,
    threshold_label: str,
) -> str:
    """Turnout as a bar on a 0-100% scale with the threshold as a dashed line; both
    carry their value as text, so the picture needs no colour to be read."""
    out = _open(chart_id, 96, title, desc)
    top, height = 34, 30
    out.append(
        f'<rect x="0" y="{top}" width="{WIDTH}" height="{height}" fill="#ffffff" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    filled = Fraction(WIDTH) * min(percent, Fraction(100)) / 100
    out.append(
        f'<rect x="0" y="{top}" width="{_px(filled)}" height="{height}" '
        f'fill="url(#{escape(chart_id)}-hatch)" stroke="{INK}" stroke-width="1"/>'
    )
    anchor = "end" if filled > WIDTH - 140 else "start"
    out.append(
        _text(
            filled - 6 if anchor == "end" else filled + 6,
            top + 20,
            percent_label,
            font_weight="700",
            text_anchor=anchor,
            fill="#ffffff" if anchor == "end" else INK,
        )
    )
    if threshold > 0:
        x = Fraction(WIDTH) * min(threshold, Fraction(100)) / 100
        out.append(
            f'<line x1="{_px(x)}" y1="{top - 8}" x2="{_px(x)}" y2="{top + height + 8}" '
            f'stroke="{INK}" stroke-width="3" stroke-dasharray="5 3"/>'
        )
        threshold_anchor = "end" if x > WIDTH / 2 else "start"
        out.append(
            _text(
                x + (-6 if threshold_anchor == "end" else 6),
                top - 12,
                threshold_label,
                text_anchor=threshold_anchor,
                fill=MUTED,
            )
        )
    out.append(_text(0, top + height + 24, "0%", fill=MUTED, font_size="17"))
    out.append(
        _text(WIDTH, top + height + 24, "100%", fill=MUTED, font_size="17", text_anchor="end")
    )
    out.append("</svg>")
    return "\n".join(out)
