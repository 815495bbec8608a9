"""Fabric's ``globalCompositeOperation``: how an object is composited onto what is drawn before it.

Canvas 2D names a blend mode (``multiply``, ``screen``, … ``luminosity``) or a Porter-Duff operator. The
blend modes are the PDF ones: they map straight onto the native layer ``blend`` (both backends; the PDF
blends in the CMYK page group, as on press). Of the Porter-Duff operators, those whose result over an
opaque backdrop is plain — ``source-atop`` draws like ``source-over`` and ``destination-over`` leaves the
backdrop unchanged (nothing shows) — are drawn when the canvas has an opaque background colour; knockout
text (``destination-out`` on plain opaque text) becomes an inverted clip on the layers below it
(:func:`.text_clip.knockouts`, before this is asked); the rest
(``destination-in``/``-out``, ``source-in``/``-out``, ``xor``, ``lighter``, ``copy``, or ``source-atop``
over a transparent canvas) erase or mask pixels already on the canvas, which neither a print PDF nor the
native model can express: an error naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from ..model.errors import DesignError
from ..model.paint import BlendMode
from .flatten import PORTER_DUFF

BLEND_MODES = frozenset(get_args(BlendMode)) - {"normal"}
_OVER_OPAQUE = {"source-atop": "normal", "destination-over": None}


def blend_of(obj: Mapping[str, Any], where: str, opaque_canvas: bool, can_flatten: bool = False) -> str | None:
    """The native blend mode for the object, or None when it draws nothing (``destination-over`` on an
    opaque canvas), or — ``can_flatten`` — a Porter-Duff operator the importer draws by flattening
    (:mod:`.flatten`); an error for an operator we cannot draw faithfully."""
    op = obj.get("globalCompositeOperation")
    if op is not None and not isinstance(op, str):  # a list or object is not hashable: no set lookup on it
        raise DesignError("globalCompositeOperation is a string", field=f"{where}.globalCompositeOperation")
    if op in (None, "source-over"):
        return "normal"
    if op in BLEND_MODES:
        return str(op)
    field = f"{where}.globalCompositeOperation"
    if op in _OVER_OPAQUE and opaque_canvas:
        return _OVER_OPAQUE[str(op)]
    if can_flatten and op in PORTER_DUFF:
        return str(op)
    if op in _OVER_OPAQUE:
        raise DesignError(f"'{op}' is drawn only on a canvas with an opaque background colour", field=field)
    raise DesignError(
        "unsupported globalCompositeOperation: blend modes (multiply, screen, overlay, darken, lighten, "
        "color-dodge, color-burn, hard-light, soft-light, difference, exclusion, hue, saturation, color, "
        "luminosity), source-over, and source-atop / destination-over on an opaque canvas",
        field=field,
    )
