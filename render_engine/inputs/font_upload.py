"""Storefront font uploads (``POST /v1/fonts``): a TTF, OTF or WOFF2 file checked before anything keeps it.

1. Limits: at most :data:`MAX_FONT_BYTES`; the first bytes must be a TrueType, CFF-OpenType or WOFF2 header
   (collections, WOFF 1, Type 1 and everything else are refused by name), and every table's checksum
   must match (a bit flipped in transit or storage is refused, not printed).
2. The OpenType Sanitizer (``ots-sanitize`` from the ``opentype-sanitizer`` package, the sanitiser browsers
   run on web fonts) parses every table it knows, drops the ones it does not, and writes a clean font (a
   WOFF2 comes out decompressed to TTF). A font it refuses — truncated, bad table directory, overlapping
   or oversized tables, broken glyph data — is an :class:`InvalidFont` (422) with its first complaint. It
   runs as a subprocess under a time limit; only its output is read further.
3. The sanitised font is read with fontTools: at most :data:`MAX_GLYPHS` glyphs, a Unicode ``cmap``, a
   family name; its embedding permission (``OS/2.fsType``) must allow embedding in a print file:
   installable (0), preview & print (bit 2) or editable (bit 3). Restricted licence (bit 1) and bitmap-only
   embedding (bit 9: the outlines may not be used) are refused, naming the fsType value.
4. Family, weight and style are read as for a fonts folder (:func:`read_font_file`).

Nothing here touches storage or the network: the API stores :attr:`SanitizedFont.data` content-addressed.
"""

from __future__ import annotations

import hashlib
import io
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..model.errors import InvalidFont, LimitExceeded
from .font_folder import family_id_for, read_font_file

MAX_FONT_BYTES = 10 * 1024 * 1024
"""Largest upload accepted (10 MB: a full CJK face is ~8 MB as TTF, less as WOFF2)."""

MAX_GLYPHS = 50_000
"""Most glyphs in one font (Latin/Indic faces have hundreds to a few thousand, Droid Sans Fallback 49,775)."""

SANITIZE_TIMEOUT_S = 20.0
"""Time the sanitiser may take on one font before it is refused."""

_MAGIC = {
    b"\x00\x01\x00\x00": "ttf",
    b"true": "ttf",
    b"OTTO": "otf",
    b"wOF2": "woff2",
}
_REFUSED_MAGIC = {b"ttcf": "a font collection (TTC)", b"wOFF": "WOFF 1 (send the TTF, OTF or WOFF2)"}

FS_RESTRICTED = 0x0002
FS_PREVIEW_PRINT = 0x0004
FS_EDITABLE = 0x0008
FS_NO_SUBSETTING = 0x0100
FS_BITMAP_ONLY = 0x0200


@dataclass(frozen=True)
class SanitizedFont:
    data: bytes  # the sanitiser's output: TTF or OTF, what is stored and drawn
    sha256: str  # of ``data``
    format: str  # of the upload: ttf, otf or woff2
    suffix: str  # of the stored file: .ttf or .otf
    family: str
    family_id: str
    weight: int
    style: str
    fs_type: int
    embedding: str  # installable | preview-print | editable
    glyphs: int


def embedding_of(fs_type: int, field: str = "body") -> str:
    """The embedding permission of an ``OS/2.fsType`` value, or :class:`InvalidFont` when it forbids print."""
    if fs_type & FS_BITMAP_ONLY:
        raise InvalidFont(
            f"the font's licence allows bitmap embedding only (OS/2 fsType 0x{fs_type:04X}, bit 9): its outlines "
            "may not be used in a print file",
            field=field,
        )
    if fs_type & 0x000E == FS_RESTRICTED:
        raise InvalidFont(
            f"the font's licence forbids embedding (OS/2 fsType 0x{fs_type:04X}: restricted licence embedding); "
            "ask the foundry for a print/preview or editable licence",
            field=field,
        )
    if fs_type & FS_EDITABLE:
        return "editable"
    if fs_type & FS_PREVIEW_PRINT:
        return "preview-print"
    return "installable"


def table_checksum_errors(raw: bytes) -> list[str]:
    """Tables of a TTF/OTF whose directory checksum does not match their bytes (the OpenType checksum: the
    uint32 sum of the zero-padded table, ``head`` with its checkSumAdjustment taken as 0). The sanitiser
    ignores checksums as browsers do; a stored print font must be exactly the file its foundry made."""
    if len(raw) < 12:
        return []
    count = struct.unpack(">H", raw[4:6])[0]
    bad: list[str] = []
    for i in range(min(count, (len(raw) - 12) // 16)):
        tag, want, offset, length = struct.unpack(">4sIII", raw[12 + 16 * i : 28 + 16 * i])
        if offset + length > len(raw):
            continue  # the sanitiser reports it
        data = bytearray(raw[offset : offset + length])
        if tag == b"head" and length >= 12:
            data[8:12] = b"\0\0\0\0"
        data += b"\0" * (-len(data) % 4)
        got = sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF
        if got != want:
            bad.append(tag.decode("latin-1").strip())
    return bad


def _run_ots(raw: bytes, field: str) -> bytes:
    import ots

    with tempfile.TemporaryDirectory(prefix="font-upload-") as tmp:
        src, dst = Path(tmp) / "in", Path(tmp) / "out"
        src.write_bytes(raw)
        try:
            proc = subprocess.run(
                [ots.OTS_SANITIZE, str(src), str(dst)], capture_output=True, timeout=SANITIZE_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired:
            why = f"the OpenType Sanitizer took over {SANITIZE_TIMEOUT_S:g} s on this font"
            raise InvalidFont(why, field=field) from None
        if proc.returncode != 0 or not dst.exists():
            lines = [ln.strip() for ln in proc.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
            why = next((ln for ln in lines if not ln.startswith("WARNING")), lines[0] if lines else "no output")
            raise InvalidFont(f"the OpenType Sanitizer refused the font: {why[:200]}", field=field)
        return dst.read_bytes()


def sanitize_font(raw: bytes, field: str = "body") -> SanitizedFont:
    """Check and clean one uploaded font (see the module docstring); every refusal names ``field``."""
    if len(raw) > MAX_FONT_BYTES:
        raise LimitExceeded(f"font over the {MAX_FONT_BYTES} byte limit", field=field)
    if not raw:
        raise InvalidFont("empty upload", field=field)
    head = raw[:4]
    if head in _REFUSED_MAGIC:
        raise InvalidFont(f"{_REFUSED_MAGIC[head]} is not accepted; send one TTF, OTF or WOFF2 font", field=field)
    fmt = _MAGIC.get(head)
    if fmt is None:
        raise InvalidFont("not a TTF, OTF or WOFF2 font (unknown file header)", field=field)
    clean = _run_ots(raw, field)
    if fmt != "woff2":  # WOFF2 has no table checksums (its data is brotli-checked as a whole)
        bad = table_checksum_errors(raw)
        if bad:
            raise InvalidFont(f"table checksum mismatch in {', '.join(bad[:8])}: a damaged font file", field=field)
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(io.BytesIO(clean), lazy=True) as font:
            glyphs = int(font["maxp"].numGlyphs)
            os2 = font.get("OS/2", None)
            fs_type = int(os2.fsType) if os2 is not None else 0
            cmap = font["cmap"].getBestCmap() if "cmap" in font else None
            suffix = ".otf" if "CFF " in font or "CFF2" in font else ".ttf"
    except (TTLibError, KeyError, AttributeError, ValueError, AssertionError, IndexError, EOFError) as exc:
        raise InvalidFont(f"the sanitised font is not readable ({type(exc).__name__})", field=field) from None
    if glyphs > MAX_GLYPHS:
        raise LimitExceeded(f"font has {glyphs} glyphs, more than the {MAX_GLYPHS} allowed", field=field)
    if not cmap:
        raise InvalidFont("the font maps no Unicode characters (no usable cmap)", field=field)
    embedding = embedding_of(fs_type, field)
    with tempfile.NamedTemporaryFile(suffix=suffix) as fh:
        fh.write(clean)
        fh.flush()
        try:
            family, weight, style = read_font_file(Path(fh.name))
        except Exception as exc:  # read_font_file's TemplateError speaks of a fonts folder: re-worded here
            raise InvalidFont(f"cannot read the font's family, weight and style ({exc})", field=field) from None
    return SanitizedFont(
        data=clean,
        sha256=hashlib.sha256(clean).hexdigest(),
        format=fmt,
        suffix=suffix,
        family=family,
        family_id=family_id_for(family),
        weight=weight,
        style=style,
        fs_type=fs_type,
        embedding=embedding,
        glyphs=glyphs,
    )


__all__ = ["MAX_FONT_BYTES", "MAX_GLYPHS", "SanitizedFont", "embedding_of", "sanitize_font"]
