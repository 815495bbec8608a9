"""How a Fabric canvas lands on a template: :class:`FabricOptions`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from .fonts import DEFAULT_FONT_MAP

Covers = Literal["trim", "bleed"]


@dataclass(frozen=True)
class FabricOptions:
    """How a Fabric canvas lands on a template.

    ``canvas_size`` is the editor canvas in px (``toJSON()`` does not record it); ``covers`` says whether
    that canvas is the trim box or the bleed box. ``font_map`` maps lower-case Fabric family names to
    bundled family ids; ``font_fallback`` (a family id) is used for unknown families instead of an error
    and reported in :attr:`FabricImport.notes`.
    """

    canvas_size: tuple[float, float] | None = None  # overrides the request's "canvas"
    covers: Covers | None = None  # overrides the request's "canvas_covers"; default "trim"
    font_map: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_FONT_MAP))
    font_fallback: str | None = None
    aspect_tolerance: float = 0.01
