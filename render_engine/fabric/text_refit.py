"""A text's box as Fabric measures it when it loads the JSON (``Text.initDimensions``).

Fabric never trusts a saved text's size: loading a canvas it lays the text out again and sets ``width`` (Text and
IText: the widest line, ``calcTextWidth``; a Textbox keeps its width unless a word is wider, ``dynamicMinWidth``)
and ``height`` (``calcTextHeight``: each line ``max fontSize × 1.13 × lineHeight``, the last without its
``lineHeight``). A saved size goes stale when a personaliser fills the customer's text into a template without
Fabric, or when the editor saved before its web font had loaded; with a centre, right or bottom origin the text
then sits where the new size puts it. The importer places the object by the size it lays out
(:func:`fabric_size`) when the saved one is off by more than a pixel and 1 %.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from ..layout.text_block import TextBlock
from .object_geometry import inverse, object_matrix
from .protocol import Node

FONT_SIZE_MULT = 1.13  # Fabric's _fontSizeMult: a line is fontSize * 1.13 * lineHeight high


def fabric_size(
    kind: str,
    flat: TextBlock,
    sizes: Sequence[float],
    fs: float,
    lh: float,
    cs: float,
    s: float,
    align: str,
    saved_w: float = 0.0,
) -> tuple[float | None, float]:
    """``(width, height)`` in the text's own px as Fabric computes them for the laid-out ``flat`` (layout mm
    per text px ``s``); ``width`` is None where Fabric keeps the saved one ``saved_w`` (a Textbox no word of
    which is wider; justified text)."""
    lines = flat.lines or ()
    heights = []
    for ln in lines:
        own = sizes[ln.start : ln.start + len(ln.text)]
        heights.append(max(own, default=sizes[ln.start] if ln.start < len(sizes) else fs) * FONT_SIZE_MULT * lh)
    height = sum(heights) - (heights[-1] - heights[-1] / lh if heights and lh > 0 else 0.0)
    if (kind != "textbox" and align.startswith("justify")) or s <= 0:
        return None, height
    trailing = cs / 1000 * fs
    # each line by Fabric's measure (per character; Fabric 5: per code point) where the layout has it
    mm = [ln.width_mm if ln.measured_mm is None else ln.measured_mm for ln in lines]
    width = max((w / s - (trailing if ln.text else 0.0) for w, ln in zip(mm, lines, strict=True)), default=0.0)
    if kind == "textbox":  # kept, unless a word is wider than the box (Textbox.dynamicMinWidth widens it)
        words = [w / s - trailing for w, ln in zip(mm, lines, strict=True) if ln.text.strip() and not _spaced(ln.text)]
        widest = max(words, default=0.0)
        return (widest if widest > saved_w + 1.0 else None), height
    return max(width, 0.0), height


def _spaced(line: str) -> bool:
    """Does the line hold a space or tab inside it (more than one word)?"""
    return any(c in " \t" for c in line.strip(" \t"))


def stale(saved: float, measured: float | None) -> bool:
    """Is the saved size off from Fabric's by more than a pixel and 1 %?"""
    return measured is not None and abs(saved - measured) > max(1.0, 0.01 * abs(saved))


def refitted(obj: Any, width: float | None, height: float) -> dict[str, Any] | None:
    """``obj`` with Fabric's size where its saved size is stale, else None."""
    w, h = float(obj.get("width") or 0.0), float(obj.get("height") or 0.0)
    if not (stale(w, width) or stale(h, height)):
        return None
    out = {**obj, "height": height}
    if width is not None:
        out["width"] = width
    return out


def refit(
    node: Node, flat: TextBlock, sizes: Sequence[float], fs: float, lh: float, cs: float, s: float, align: str
) -> Node | None:
    """``node`` sized and placed as Fabric lays it out on load, or None where its saved size holds."""
    saved_w = float(node.obj.get("width") or 0.0)
    fitted = refitted(node.obj, *fabric_size(node.kind, flat, sizes, fs, lh, cs, s, align, saved_w))
    if fitted is None:
        return None
    around = inverse(object_matrix(node.obj, node.where, node.kind)).then(node.m)  # its groups' matrix
    return dataclasses.replace(node, obj=fitted, m=object_matrix(fitted, node.where, node.kind).then(around))
