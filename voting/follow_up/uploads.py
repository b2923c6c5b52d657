"""Photos and documents attached to milestones: only JPEG, PNG and PDF, checked by
their content (not their name), at most ``UPLOAD_MAX_BYTES``. Photos are decoded and
saved again with Pillow, which drops EXIF (GPS position, camera serial number), XMP
and every other block of metadata, and turns them upright first."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from voting.models import Attachment

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# A photo of 40 megapixels is plenty; more is likely a decompression bomb.
MAX_PIXELS = 40_000_000
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}


class UploadRefused(ValueError):
    """The upload cannot be kept; ``code`` says why: ``too_large``, ``empty``,
    ``type`` (not JPEG, PNG or PDF) or ``broken`` (unreadable image)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def safe_filename(name: str, extension: str) -> str:
    """A plain ASCII file name for ``Content-Disposition``: letters, digits, dashes;
    the extension from the content, never from the visitor."""
    stem = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0]
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_stem).strip("-")[:60] or "bijlage"
    return f"{cleaned}.{extension}"


def _clean_image(data: bytes) -> tuple[bytes, str, str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format or ""
                if kind not in FORMATS:
                    raise UploadRefused("type")
                if probe.width * probe.height > MAX_PIXELS:
                    raise UploadRefused("too_large")
                probe.load()
                upright = ImageOps.exif_transpose(probe)
    except UploadRefused:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise UploadRefused("too_large") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UploadRefused("broken") from None
    content_type, extension = FORMATS[kind]
    # A new image from the pixels alone: nothing of the original file's blocks
    # (EXIF, XMP, ICC, comments, text chunks) is carried over.
    mode = upright.mode if upright.mode in ("RGB", "RGBA", "L", "LA", "P") else "RGB"
    if kind == "JPEG" and mode not in ("RGB", "L"):
        mode = "RGB"
    pixels = upright.convert(mode)
    clean = Image.new(pixels.mode, pixels.size)
    if pixels.mode == "P":
        clean.putpalette(pixels.getpalette() or [])
    clean.paste(pixels)
    out = io.BytesIO()
    if kind == "JPEG":
        clean.save(out, "JPEG", quality=88, optimize=True)
    else:
        clean.save(out, "PNG", optimize=True)
    return out.getvalue(), content_type, extension


def clean_upload(filename: str, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> Attachment:
    """An :class:`Attachment` (not yet added to a session) from an uploaded file;
    :class:`UploadRefused` when it is empty, too large, of another type or broken."""
    if not data:
        raise UploadRefused("empty")
    if len(data) > max_bytes:
        raise UploadRefused("too_large")
    if data.startswith(b"%PDF-"):
        # PDFs are kept as they are; they are served as downloads, never shown inline.
        clean, content_type, extension = data, "application/pdf", "pdf"
    elif data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")):
        clean, content_type, extension = _clean_image(data)
    else:
        raise UploadRefused("type")
    return Attachment(
        filename=safe_filename(filename or "", extension),
        content_type=content_type,
        size_bytes=len(clean),
        sha256=hashlib.sha256(clean).hexdigest(),
        data=clean,
    )
