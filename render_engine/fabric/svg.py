"""A small SVG builder: the strings every ``svg`` layer of the importer is assembled from.

An imported ``svg`` layer is one document whose viewBox is a box in canvas px (:func:`document`); the
object's own drawing sits in it through its matrix (:func:`transformed`), inside its clipPaths
(:func:`clip_path_def`, :func:`clipped`) and, for a shadow, behind a filter (:func:`filtered`, whose
region is :func:`region`). Groups composited as one picture take such documents apart again
(:func:`parse_document`) and merge them (:func:`namespaced`). Only string assembly lives here: what a
clipPath or a shadow draws is in :mod:`.effects`, how a document becomes a native layer in
:meth:`.converter.Converter.svg_layer`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..model.geometry import Matrix

#: A box in some plane as x0, y0, x1, y1.
Bounds = tuple[float, float, float, float]

_VIEW_BOX = re.compile(r'^<svg [^>]*viewBox="([^"]+)"')


def fmt(v: float) -> str:
    """A number as the importer writes it into SVG (and path data): six significant digits."""
    return f"{v:.6g}"


def matrix(m: Matrix) -> str:
    """An SVG ``transform`` value for ``m``."""
    return f"matrix({' '.join(fmt(v) for v in (m.a, m.b, m.c, m.d, m.e, m.f))})"


def transformed(body: str, m: Matrix) -> str:
    """``body`` drawn through ``m``."""
    return f'<g transform="{matrix(m)}">{body}</g>'


def clipped(body: str, clip_ids: Sequence[str]) -> str:
    """``body`` inside every clipPath of ``clip_ids``, the first one outermost."""
    for cid in reversed(clip_ids):
        body = f'<g clip-path="url(#{cid})">{body}</g>'
    return body


def filtered(body: str, filter_id: str) -> str:
    """``body`` drawn through the filter ``filter_id``."""
    return f'<g filter="url(#{filter_id})">{body}</g>'


def translucent(body: str, opacity: float) -> str:
    """``body`` composited as one picture with ``opacity`` (unchanged when opaque)."""
    return f'<g opacity="{fmt(opacity)}">{body}</g>' if opacity < 1 else body


def region(bounds: Bounds) -> str:
    """The ``x``/``y``/``width``/``height`` attributes of a filter region covering ``bounds``."""
    x0, y0, x1, y1 = bounds
    return f'x="{fmt(x0)}" y="{fmt(y0)}" width="{fmt(x1 - x0)}" height="{fmt(y1 - y0)}"'


def clip_path_def(cid: str, d: str) -> str:
    """A ``<clipPath>`` (for ``<defs>``) of the path data ``d``, in the user space of what it clips."""
    return f'<clipPath id="{cid}" clipPathUnits="userSpaceOnUse"><path d="{d}"/></clipPath>'


def document(bounds: Bounds, defs: str, body: str) -> str:
    """An SVG document whose viewBox is ``bounds``, with ``defs`` (a ``<defs>`` only when there are any)."""
    x0, y0, x1, y1 = bounds
    defs = f"<defs>{defs}</defs>" if defs else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{fmt(x0)} {fmt(y0)} {fmt(x1 - x0)} {fmt(y1 - y0)}">'
        f"{defs}{body}</svg>"
    )


def parse_document(svg: str) -> tuple[Bounds, str]:
    """The viewBox (as x0, y0, x1, y1) and the content (``<defs>`` included) of a :func:`document`."""
    vb = _VIEW_BOX.match(svg)
    assert vb is not None
    x, y, w, h = (float(v) for v in vb.group(1).split())
    return (x, y, x + w, y + h), svg[svg.index(">") + 1 : svg.rindex("</svg>")]


def namespaced(content: str, prefix: str) -> str:
    """``content`` with every ``id`` and ``url(#…)`` reference prefixed, so documents can be merged."""
    content = re.sub(r'id="([^"]+)"', rf'id="{prefix}\1"', content)
    return re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}\1)", content)
