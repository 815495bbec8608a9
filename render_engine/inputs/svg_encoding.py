"""SVG (XML) saved as UTF-16 or UTF-32 — Windows editors' "Unicode" — read as the UTF-8 the rest of the SVG
path expects.

libxml2 reads UTF-16/32 when the file has a byte-order mark or an encoding declaration, but not UTF-16 with
neither, and the upload sniffer looked for ``<svg`` in ASCII bytes: such an upload was "not a supported image
format". The encoding is found from the byte-order mark or, without one, from where the zero bytes of ``<``
sit (XML 1.0 Appendix F); the text is decoded, its declaration's ``encoding`` dropped and the document
re-encoded as UTF-8 before it is parsed and sanitised. The sanitised SVG is serialised as UTF-8 anyway
(:func:`~render_engine.inputs.svg_sanitise.serialise`), so librsvg renders the same document as for the UTF-8
file: the stored asset is byte for byte that of the UTF-8 upload.
"""

from __future__ import annotations

import codecs
import re

from ..model.errors import AssetError

# (first bytes, Python codec, name in messages): longest first (a UTF-32LE BOM starts like UTF-16LE's)
_MARKS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
    (b"<\0\0\0", "utf-32-le", "UTF-32LE"),
    (b"\0\0\0<", "utf-32-be", "UTF-32BE"),
    (b"<\0", "utf-16-le", "UTF-16LE"),
    (b"\0<", "utf-16-be", "UTF-16BE"),
)
_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*?\?>")


def wide_encoding(head: bytes) -> tuple[str, str] | None:
    """(Python codec, name) of an XML text in UTF-16 or UTF-32 from its first bytes; None for anything else
    (UTF-8, ASCII, binary)."""
    for mark, codec, name in _MARKS:
        if head.startswith(mark):
            return codec, name
    return None


def as_utf8(raw: bytes, field: str) -> bytes:
    """``raw`` unchanged unless it is UTF-16/32 XML; then the same document in UTF-8 (its declaration without
    ``encoding``). A file that starts like UTF-16 but does not decode is refused naming the encoding."""
    found = wide_encoding(raw[:4])
    if found is None:
        return raw
    codec, name = found
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as exc:
        raise AssetError(f"SVG starts as {name} text but byte {exc.start} is not {name}; save it as UTF-8",
                         field=field) from None  # fmt: skip
    text = text.removeprefix("\ufeff")
    text = _DECLARATION.sub('<?xml version="1.0"?>', text, count=1)
    return text.encode("utf-8")
