"""The label of a gang sheet (#20): one line in the bottom margin naming the sheet — id, print unit, time,
item counts per product — set as real PDF text in a subset of a bundled font, so ``pdftotext`` and a
viewer's search read it, while the ink stays 100 % K (DeviceCMYK) as on the rest of the sheet.

The font is embedded (PDF/X-4 wants every font embedded) as a simple TrueType font: the label's glyphs only
(``fontTools.subset``), ``WinAnsiEncoding`` over printable ASCII (ids, dates and product ids are ASCII;
anything else is written as ``?``), widths from the font's own advances. The subset's tag comes from the
characters used, and the font file is written with the source's timestamps: the same label gives the same
bytes."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name

from ..model.units import mm_to_pt

LABEL_PT = 6.0
FONT_RESOURCE = "/FLabel"


def label_text(
    sheet_id: str, unit: str | None, created: str, counts: Mapping[str, int], jobs: int | None = None
) -> str:
    """``sheet <id> | unit <unit> | <created> | <n> items[ of <m> jobs]: <product> x<count>, ...`` (products in
    sheet order; ``jobs``: how many jobs the items come from, said when a job has several pieces)."""
    n = sum(counts.values())
    of_jobs = f" of {jobs} jobs" if jobs is not None and jobs != n else ""
    items = ", ".join(f"{t} x{c}" for t, c in counts.items())
    return f"sheet {sheet_id} | unit {unit or '-'} | {created} | {n} items{of_jobs}: {items}"


def _ascii(text: str) -> str:
    return "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)


def _n(v: float) -> str:
    return f"{v:.4f}".rstrip("0").rstrip(".")


def label_font(pdf: pikepdf.Pdf, font_path: Path, text: str) -> tuple[pikepdf.Object, list[float]]:
    """The embedded subset TrueType font for ``text`` and its widths (1/1000 em) for codes 32..126."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    text = _ascii(text)
    font = TTFont(str(font_path), recalcTimestamp=False, lazy=False)
    upem = font["head"].unitsPerEm
    cmap, hmtx = font.getBestCmap(), font["hmtx"]
    widths = [round(hmtx[cmap.get(c, ".notdef")][0] * 1000 / upem, 1) for c in range(32, 127)]
    head, os2, post = font["head"], font["OS/2"], font["post"]
    bbox = [round(v * 1000 / upem) for v in (head.xMin, head.yMin, head.xMax, head.yMax)]
    metrics = {
        "ascent": round(os2.sTypoAscender * 1000 / upem),
        "descent": round(os2.sTypoDescender * 1000 / upem),
        "cap": round(getattr(os2, "sCapHeight", os2.sTypoAscender) * 1000 / upem),
        "italic": float(post.italicAngle),
    }
    opts = subset.Options()
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    opts.hinting = False
    opts.layout_features = []
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=sorted({ord(ch) for ch in text} | {32}))
    sub.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    data = buf.getvalue()
    chars = "".join(sorted(set(text)))
    tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(chars.encode()).digest()[:6])
    base = Name(f"/{tag}+{str(font['name'].getDebugName(6) or 'Label').replace(' ', '')}")
    file = pdf.make_stream(data)
    file.Length1 = len(data)
    descriptor = Dictionary(
        Type=Name.FontDescriptor, FontName=base, Flags=32, FontBBox=Array(bbox), ItalicAngle=metrics["italic"],
        Ascent=metrics["ascent"], Descent=metrics["descent"], CapHeight=metrics["cap"], StemV=80, FontFile2=file,
    )  # fmt: skip
    font_dict = Dictionary(
        Type=Name.Font, Subtype=Name.TrueType, BaseFont=base, FirstChar=32, LastChar=126,
        Widths=Array(widths), Encoding=Name.WinAnsiEncoding, FontDescriptor=pdf.make_indirect(descriptor),
    )  # fmt: skip
    obj = pdf.make_indirect(font_dict)
    return obj, widths


def pdf_string(text: str) -> str:
    """``text`` (ASCII) escaped for a PDF literal string."""
    return _ascii(text).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def text_ops(text: str, widths: list[float], x0: float, base: float, room: float, max_pt: float) -> list[str]:
    """``text`` in the label font (:data:`FONT_RESOURCE`) from ``x0`` on the baseline ``base`` (pt), at
    ``max_pt`` or smaller to fit ``room`` pt, filled 100 % K."""
    advance = sum(widths[ord(ch) - 32] for ch in _ascii(text)) or 1.0
    size = min(max_pt, room * 1000 / advance)
    return [f"BT {FONT_RESOURCE} {_n(size)} Tf 0 0 0 1 k {_n(x0)} {_n(base)} Td ({pdf_string(text)}) Tj ET"]


def label_ops(text: str, widths: list[float], width: float, margin: float) -> list[str]:
    """The sheet label's operators: left-aligned in the bottom margin of a sheet ``width`` mm wide, shrunk to
    fit it."""
    base = mm_to_pt(max(1.0, margin * 0.4))  # baseline above the sheet's bottom edge
    return text_ops(text, widths, mm_to_pt(margin), base, mm_to_pt(width - 2 * margin), LABEL_PT)
