"""Join PDFs into one PDF while streaming it out, one input document at a time.

fpdf2 keeps a whole document in memory until it writes it, so a long run of letters
is rendered as many small documents and joined here: each input is parsed, its
objects are renumbered after the ones already written and sent on at once, and only
the page list and the byte offsets (a few bytes an object) are kept until the end,
where the shared page tree, the catalog, the cross-reference table and the trailer
follow. Objects may stand in any order in a PDF; the table says where each one is.

Inputs must be what fpdf2 writes: a classic cross-reference table, no object or
cross-reference streams, no incremental updates, no encryption. Anything else raises
:class:`PdfConcatError` rather than produce a broken file. Standard library only.

Layout of the output (object numbers):

1. the page tree root, written last (``/Kids`` of every page in order, ``/Count``);
2. the catalog of the first input, its ``/Pages`` pointing at object 1;
3. the document information of the first input (title, creator, date);
4. and on: every other object of every input, stream data copied byte for byte.

The catalogs, page tree nodes and information dictionaries of later inputs are left
out; references to them are sent to objects 2, 1 and 3. Attributes a page inherited
from its own tree (``/MediaBox``, ``/Resources``, ``/CropBox``, ``/Rotate``) are
copied into the page, since its new parent does not have them.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = ["PdfConcatError", "PdfConcatenator", "concat_pdfs"]

PAGES_NUM, CATALOG_NUM, INFO_NUM = 1, 2, 3
INHERITABLE = ("Resources", "MediaBox", "CropBox", "Rotate")
HEADER_VERSION = re.compile(rb"%PDF-(\d)\.(\d)")

_WHITESPACE = b"\x00\t\n\x0c\r "
_DELIMITERS = b"()<>[]{}/%"
_WS = rb"[\x00\t\n\x0c\r ]"
_SPACE = re.compile(rb"(?:" + _WS + rb"+|%[^\r\n]*)*")
_NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)")
# "R" must end its token: "1 0 RG" would be two numbers and an operator.
_REF_TAIL = re.compile(_WS + rb"+(\d+)" + _WS + rb"+R(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])")
_REGULAR = re.compile(rb"[^\x00\t\n\x0c\r ()<>\[\]{}/%]*")
_OBJ_HEAD = re.compile(rb"(\d+)" + _WS + rb"+(\d+)" + _WS + rb"+obj")
_SUBSET_TAG = re.compile(r"[A-Z]{6}\+")


class PdfConcatError(ValueError):
    """An input PDF this module cannot join (or a broken one)."""


class Ref(NamedTuple):
    """An indirect reference ``num gen R``."""

    num: int
    gen: int


class Name(str):
    """A PDF name, without its slash (``/Type`` is ``Name("Type")``)."""

    __slots__ = ()


class PdfDict(dict[str, Any]):
    """A parsed dictionary that also remembers where each value's text is."""

    def __init__(self) -> None:
        super().__init__()
        self.spans: dict[str, tuple[int, int]] = {}


@dataclass
class _Parsed:
    # What one parse found: the value, where it ends, and the text to rewrite.
    value: Any
    end: int
    refs: list[tuple[int, int, Ref]] = field(default_factory=list)
    names: list[tuple[int, int, str]] = field(default_factory=list)


class _Parser:
    """A recursive-descent reader of one PDF value (enough for document structure;
    the text itself is rewritten by position, never re-serialised)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.refs: list[tuple[int, int, Ref]] = []
        self.names: list[tuple[int, int, str]] = []

    def skip(self, pos: int) -> int:
        match = _SPACE.match(self.data, pos)
        return match.end() if match else pos

    def value(self, pos: int) -> tuple[Any, int]:
        data = self.data
        pos = self.skip(pos)
        if pos >= len(data):
            raise PdfConcatError("unexpected end of data")
        char = data[pos : pos + 1]
        if data.startswith(b"<<", pos):
            return self._dict(pos + 2)
        if char == b"[":
            items: list[Any] = []
            pos += 1
            while True:
                pos = self.skip(pos)
                if data.startswith(b"]", pos):
                    return items, pos + 1
                item, pos = self.value(pos)
                items.append(item)
        if char == b"/":
            match = _REGULAR.match(data, pos + 1)
            assert match is not None  # the pattern matches the empty string
            name = Name(_unescape_name(match.group()))
            self.names.append((pos + 1, match.end(), name))
            return name, match.end()
        if char == b"(":
            return self._string(pos)
        if char == b"<":
            end = data.find(b">", pos)
            if end < 0:
                raise PdfConcatError("unterminated hex string")
            return data[pos : end + 1], end + 1
        number = _NUMBER.match(data, pos)
        if number:
            text = number.group()
            if b"." in text:
                return float(text), number.end()
            # "12 0 R" is a reference, "12 0" two numbers.
            tail = _REF_TAIL.match(data, number.end())
            if tail and text.isdigit():
                ref = Ref(int(text), int(tail.group(1)))
                self.refs.append((pos, tail.end(), ref))
                return ref, tail.end()
            return int(text), number.end()
        word = _REGULAR.match(data, pos)
        assert word is not None
        keyword = word.group()
        if keyword in (b"true", b"false"):
            return keyword == b"true", word.end()
        if keyword == b"null":
            return None, word.end()
        raise PdfConcatError(f"unexpected {data[pos : pos + 20]!r} at byte {pos}")

    def _dict(self, pos: int) -> tuple[PdfDict, int]:
        out = PdfDict()
        while True:
            pos = self.skip(pos)
            if self.data.startswith(b">>", pos):
                return out, pos + 2
            key, pos = self.value(pos)
            if not isinstance(key, Name):
                raise PdfConcatError(f"dictionary key is not a name at byte {pos}")
            start = self.skip(pos)
            out[key], pos = self.value(start)
            out.spans[key] = (start, pos)

    def _string(self, pos: int) -> tuple[bytes, int]:
        # Balanced parentheses, backslash escapes: a "3 0 R" inside is text.
        data, depth, index = self.data, 0, pos
        while index < len(data):
            char = data[index]
            if char == 0x5C:  # backslash
                index += 2
                continue
            if char == 0x28:
                depth += 1
            elif char == 0x29:
                depth -= 1
                if depth == 0:
                    return data[pos : index + 1], index + 1
            index += 1
        raise PdfConcatError("unterminated string")


def _unescape_name(raw: bytes) -> str:
    if b"#" not in raw:  # nearly always: skip the regex
        return raw.decode("latin-1")
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw).decode(
        "latin-1"
    )


@dataclass
class _Object:
    num: int
    gen: int
    head: bytes  # the value's text (a stream's dictionary)
    refs: list[tuple[int, int, Ref]]
    names: list[tuple[int, int, str]]
    value: Any
    stream: bytes | None  # raw stream data, as stored


@dataclass
class _Document:
    version: tuple[int, int]
    objects: dict[Ref, _Object]
    order: list[Ref]  # objects in file order
    trailer: PdfDict


def _parse_value(data: bytes, pos: int) -> _Parsed:
    parser = _Parser(data)
    value, end = parser.value(pos)
    return _Parsed(value, end, parser.refs, parser.names)


def _read_document(data: bytes) -> _Document:
    header = HEADER_VERSION.match(data)
    if not header:
        raise PdfConcatError("not a PDF (no %PDF- header)")
    start = data.rfind(b"startxref")
    if start < 0:
        raise PdfConcatError("no startxref")
    offset = _parse_value(data, start + len(b"startxref")).value
    if not isinstance(offset, int) or not data.startswith(b"xref", offset):
        # A cross-reference stream (PDF 1.5) or a damaged file.
        raise PdfConcatError("only a classic cross-reference table is supported")
    entries, trailer = _read_xref(data, offset + 4)
    for key in ("Prev", "XRefStm", "Encrypt"):
        if key in trailer:
            raise PdfConcatError(f"/{key} in the trailer is not supported")

    raw: dict[Ref, int] = {}
    for num, (offset_, gen) in entries.items():
        raw[Ref(num, gen)] = offset_
    objects: dict[Ref, _Object] = {}

    def length(value: Any) -> int:
        if isinstance(value, Ref):  # an indirect /Length: read that object
            match = _OBJ_HEAD.match(data, raw[value]) if value in raw else None
            if not match:
                raise PdfConcatError(f"missing length object {value}")
            value = _parse_value(data, match.end()).value
        if not isinstance(value, int) or value < 0:
            raise PdfConcatError("bad stream /Length")
        return value

    for ref, at in sorted(raw.items(), key=lambda item: item[1]):
        match = _OBJ_HEAD.match(data, at)
        if not match or (int(match.group(1)), int(match.group(2))) != ref:
            raise PdfConcatError(f"object {ref.num} {ref.gen} is not at byte {at}")
        value_start = _SPACE.match(data, match.end())
        assert value_start is not None
        parsed = _parse_value(data, value_start.end())
        pos = _SPACE.match(data, parsed.end).end()  # type: ignore[union-attr]
        stream: bytes | None = None
        if data.startswith(b"stream", pos):
            if not isinstance(parsed.value, PdfDict):
                raise PdfConcatError(f"stream without a dictionary in object {ref.num}")
            if isinstance(parsed.value.get("Type"), Name) and parsed.value["Type"] in (
                "ObjStm",
                "XRef",
            ):
                raise PdfConcatError("object streams are not supported")
            pos += len(b"stream")
            # The keyword ends with CRLF or LF (a lone CR is not allowed).
            pos += 2 if data.startswith(b"\r\n", pos) else 1
            size = length(parsed.value.get("Length"))
            stream = data[pos : pos + size]
            pos = _SPACE.match(data, pos + size).end()  # type: ignore[union-attr]
            if not data.startswith(b"endstream", pos):
                raise PdfConcatError(f"/Length of object {ref.num} does not end its stream")
            pos = _SPACE.match(data, pos + len(b"endstream")).end()  # type: ignore[union-attr]
        if not data.startswith(b"endobj", pos):
            raise PdfConcatError(f"object {ref.num} has no endobj")
        base = value_start.end()
        if isinstance(parsed.value, PdfDict):
            # Spans relative to the object's own text, like its refs and names.
            spans = parsed.value.spans
            parsed.value.spans = {k: (s - base, e - base) for k, (s, e) in spans.items()}
        objects[ref] = _Object(
            ref.num,
            ref.gen,
            data[base : parsed.end],
            [(s - base, e - base, r) for s, e, r in parsed.refs],
            [(s - base, e - base, n) for s, e, n in parsed.names],
            parsed.value,
            stream,
        )
    order = sorted(objects, key=lambda r: raw[r])
    return _Document((int(header.group(1)), int(header.group(2))), objects, order, trailer)


def _read_xref(data: bytes, pos: int) -> tuple[dict[int, tuple[int, int]], PdfDict]:
    # "first count" subsections of 20-byte lines "oooooooooo ggggg n", then the trailer.
    entries: dict[int, tuple[int, int]] = {}
    line = re.compile(rb"\s*(\d{10}) (\d{5}) ([nf])")
    section = re.compile(rb"\s*(\d+)\s+(\d+)")
    while True:
        pos = _SPACE.match(data, pos).end()  # type: ignore[union-attr]
        if data.startswith(b"trailer", pos):
            trailer = _parse_value(data, pos + len(b"trailer")).value
            if not isinstance(trailer, PdfDict):
                raise PdfConcatError("the trailer is not a dictionary")
            return entries, trailer
        head = section.match(data, pos)
        if not head:
            raise PdfConcatError(f"bad cross-reference table at byte {pos}")
        first, count = int(head.group(1)), int(head.group(2))
        pos = head.end()
        for number in range(first, first + count):
            entry = line.match(data, pos)
            if not entry:
                raise PdfConcatError(f"bad cross-reference entry at byte {pos}")
            pos = entry.end()
            if entry.group(3) == b"n":
                entries[number] = (int(entry.group(1)), int(entry.group(2)))


def _resolve(document: _Document, value: Any) -> Any:
    seen = 0
    while isinstance(value, Ref):
        target = document.objects.get(value)
        value = target.value if target else None
        seen += 1
        if seen > 32:
            raise PdfConcatError("reference loop")
    return value


class PdfConcatenator:
    """Joins PDFs into one, handing out the output's bytes as it goes.

    Call :meth:`add` with each document in order and send on what it returns, then
    send what :meth:`finish` returns. Memory holds one input at a time plus a few
    bytes per object written."""

    def __init__(self) -> None:
        # Byte offset by new object number, and the page objects in order: machine
        # integers, 8 bytes an object, all that grows with the number of letters.
        self._offsets = array("Q")
        self._written = 0
        self._next = INFO_NUM + 1
        self._kids = array("Q")
        self._catalog: bytes | None = None
        self._info = False
        self._version = (1, 3)
        self._header_version: tuple[int, int] | None = None
        self._tags = 0
        self._digest = hashlib.md5(usedforsecurity=False)
        self._finished = False

    @property
    def pages(self) -> int:
        """Pages joined so far."""
        return len(self._kids)

    def add(self, pdf: bytes) -> bytes:
        """Join one more document; returns the bytes to send on (starting with the
        header for the first)."""
        if self._finished:
            raise PdfConcatError("already finished")
        document = _read_document(pdf)
        out: list[bytes] = []
        if self._header_version is None:
            self._header_version = self._version = document.version
            # The binary comment tells transfer tools the file is not text.
            out.append(b"%%PDF-%d.%d\n%%\xe9\xeb\xf1\xbf\n" % document.version)
        self._version = max(self._version, document.version)

        catalog_ref = document.trailer.get("Root")
        catalog = _resolve(document, catalog_ref)
        if not isinstance(catalog_ref, Ref) or not isinstance(catalog, PdfDict):
            raise PdfConcatError("no document catalog")
        pages_ref = catalog.get("Pages")
        info_ref = document.trailer.get("Info")

        # Walk the page tree: leaves in order, with what each inherits.
        mapping: dict[Ref, int] = {catalog_ref: CATALOG_NUM}
        if isinstance(info_ref, Ref):
            mapping[info_ref] = INFO_NUM
        inherited: dict[Ref, dict[str, Any]] = {}
        leaves: list[Ref] = []
        self._walk(document, pages_ref, {}, mapping, inherited, leaves, depth=0)
        if not leaves:
            raise PdfConcatError("a document without pages")
        for ref in document.order:
            if ref not in mapping:
                mapping[ref] = self._next
                self._next += 1

        # Font subsets get fresh six-letter tags: two different subsets both named
        # "MPDFAA+DejaVuSansBook" in one file confuse some viewers and print RIPs.
        tags: dict[str, str] = {}

        def rename(name: str) -> str | None:
            match = _SUBSET_TAG.match(name)
            if not match:
                return None
            old = match.group()
            if old not in tags:
                tags[old] = _tag(self._tags) + "+"
                self._tags += 1
            return tags[old] + name[len(old) :]

        def new_ref(ref: Ref) -> bytes:
            if ref not in mapping:
                # A dangling reference means null (PDF 32000 7.3.10); keep it so.
                return b"null"
            return b"%d 0 R" % mapping[ref]

        for ref in document.order:
            obj = document.objects[ref]
            num = mapping[ref]
            if num == PAGES_NUM:
                continue
            if num == CATALOG_NUM:
                if self._catalog is None:
                    self._catalog = _rewrite(obj, new_ref, rename)
                continue
            if num == INFO_NUM:
                if not self._info:
                    self._info = True
                    out.append(self._object(num, _rewrite(obj, new_ref, rename), None))
                continue
            head = _rewrite(obj, new_ref, rename)
            if ref in inherited:
                head = _inherit(head, obj.value, inherited[ref], new_ref, rename)
            out.append(self._object(num, head, obj.stream))
        self._kids.extend(mapping[leaf] for leaf in leaves)
        return self._emit(out)

    def _walk(
        self,
        document: _Document,
        node_ref: Any,
        inherits: dict[str, Any],
        mapping: dict[Ref, int],
        inherited: dict[Ref, dict[str, Any]],
        leaves: list[Ref],
        depth: int,
    ) -> None:
        node = document.objects.get(node_ref) if isinstance(node_ref, Ref) else None
        if node is None or not isinstance(node.value, PdfDict) or depth > 64:
            raise PdfConcatError("broken page tree")
        value: PdfDict = node.value
        if value.get("Type") == "Pages" or "Kids" in value:
            mapping[node_ref] = PAGES_NUM
            own = dict(inherits)
            for key in INHERITABLE:
                if key in value:
                    start, end = value.spans[key]
                    own[key] = (node, start, end)
            kids = _resolve(document, value.get("Kids"))
            if not isinstance(kids, list):
                raise PdfConcatError("page tree node without /Kids")
            for kid in kids:
                self._walk(document, kid, own, mapping, inherited, leaves, depth + 1)
        else:
            if node_ref in mapping:
                raise PdfConcatError("a page appears twice in the page tree")
            leaves.append(node_ref)
            missing = {k: v for k, v in inherits.items() if k not in value}
            if missing:
                inherited[node_ref] = missing

    def _object(self, num: int, head: bytes, stream: bytes | None) -> bytes:
        text = b"%d 0 obj\n" % num + head
        if stream is not None:
            # Verbatim, with an EOL before "endstream" that /Length does not count.
            text += b"\nstream\n" + stream + b"\nendstream"
        return text + b"\nendobj\n"

    def _emit(self, parts: list[bytes]) -> bytes:
        # Offsets are counted as the bytes leave: nothing is written twice.
        out: list[bytes] = []
        for part in parts:
            match = _OBJ_HEAD.match(part)
            if match:
                num = int(match.group(1))
                if num >= len(self._offsets):
                    self._offsets.extend([0] * (num + 1 - len(self._offsets)))
                self._offsets[num] = self._written
            self._written += len(part)
            out.append(part)
        data = b"".join(out)
        self._digest.update(data)
        return data

    def finish(self) -> bytes:
        """The page tree root, the catalog, the cross-reference table and the
        trailer: the last bytes of the joined PDF."""
        if self._finished:
            raise PdfConcatError("already finished")
        if self._catalog is None:
            raise PdfConcatError("nothing to join")
        self._finished = True
        kids = b"\n".join(b"%d 0 R" % kid for kid in self._kids)
        pages = b"<<\n/Type /Pages\n/Count %d\n/Kids [%s]\n>>" % (len(self._kids), kids)
        catalog = self._catalog
        if self._header_version and self._version > self._header_version:
            # A later input needs a newer version than the header says.
            catalog = _add_entries(catalog, {"Version": b"/%d.%d" % self._version})
        parts = [self._object(PAGES_NUM, pages, None), self._object(CATALOG_NUM, catalog, None)]
        if not self._info:
            parts.append(self._object(INFO_NUM, b"<<\n>>", None))
        body = self._emit(parts)
        size = self._next
        xref_at = self._written
        if len(self._offsets) < size or 0 in self._offsets[1:size]:
            raise PdfConcatError("an object number was left unwritten")  # a bug here
        rows = [b"xref\n0 %d\n0000000000 65535 f \n" % size]
        for num in range(1, size):
            # Every number below size is used: objects are numbered without gaps.
            rows.append(b"%010d 00000 n \n" % self._offsets[num])
        file_id = self._digest.hexdigest().upper().encode()
        rows.append(
            b"trailer\n<<\n/Size %d\n/Root %d 0 R\n/Info %d 0 R\n/ID [<%s><%s>]\n>>\n"
            % (size, CATALOG_NUM, INFO_NUM, file_id, file_id)
        )
        rows.append(b"startxref\n%d\n%%%%EOF\n" % xref_at)
        return body + b"".join(rows)


def _tag(number: int) -> str:
    # Six capitals, unique per number (26**6 is far more subsets than a file holds).
    letters = []
    for _ in range(6):
        number, digit = divmod(number, 26)
        letters.append(chr(ord("A") + digit))
    return "".join(reversed(letters))


def _rewrite(
    obj: _Object, new_ref: Callable[[Ref], bytes], rename: Callable[[str], str | None]
) -> bytes:
    """The object's text with references renumbered and subset tags renamed; only
    spans the parser read as references or names change (never string contents)."""
    edits: list[tuple[int, int, bytes]] = [(s, e, new_ref(r)) for s, e, r in obj.refs]
    for start, end, name in obj.names:
        renamed = rename(name)
        if renamed is not None:
            edits.append((start, end, _name_bytes(renamed)))
    return _splice(obj.head, edits)


def _splice(text: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    out, pos = [], 0
    for start, end, replacement in sorted(edits):
        out += [text[pos:start], replacement]
        pos = end
    out.append(text[pos:])
    return b"".join(out)


def _name_bytes(name: str) -> bytes:
    # Escape what a name cannot hold literally (PDF 32000 7.3.5).
    out = []
    for byte in name.encode("latin-1"):
        if byte < 0x21 or byte > 0x7E or byte in _DELIMITERS or byte == 0x23:
            out.append(b"#%02X" % byte)
        else:
            out.append(bytes([byte]))
    return b"".join(out)


def _inherit(
    head: bytes,
    value: Any,
    missing: dict[str, Any],
    new_ref: Callable[[Ref], bytes],
    rename: Callable[[str], str | None],
) -> bytes:
    """``head`` (a page dictionary) with the attributes its old parents gave it."""
    if not isinstance(value, PdfDict):
        raise PdfConcatError("a page that is not a dictionary")
    entries = {}
    for key, (node, start, end) in missing.items():
        # The parent's text for that value, renumbered the same way.
        part = _Object(
            node.num,
            node.gen,
            node.head[start:end],
            [(s - start, e - start, r) for s, e, r in node.refs if start <= s and e <= end],
            [(s - start, e - start, n) for s, e, n in node.names if start <= s and e <= end],
            None,
            None,
        )
        entries[key] = _rewrite(part, new_ref, rename)
    return _add_entries(head, entries)


def _add_entries(head: bytes, entries: dict[str, bytes]) -> bytes:
    stripped = head.rstrip(_WHITESPACE)
    if not stripped.endswith(b">>"):
        raise PdfConcatError("expected a dictionary")
    extra = b"".join(b"/%s %s\n" % (_name_bytes(k), v) for k, v in entries.items())
    return stripped[:-2].rstrip(_WHITESPACE) + b"\n" + extra + b">>"


def concat_pdfs(documents: Iterable[bytes]) -> Iterator[bytes]:
    """One PDF made of ``documents`` in order, yielded piece by piece as each input
    is joined (each input is dropped once its piece is out)."""
    joiner = PdfConcatenator()
    for document in documents:
        yield joiner.add(document)
    yield joiner.finish()
