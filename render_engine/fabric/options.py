"""How a Fabric canvas lands on a template: :class:`FabricOptions`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Covers = Literal["trim", "bleed"]
Unsupported = Literal["refuse", "approximate"]

#: Web font names storefront editors commonly use, mapped to bundled families. Keys are lower case.
#: Catalog ids and family names ("noto-sans", "Noto Sans") always work without an entry here. Arial /
#: Helvetica, Times New Roman (Fabric's default ``fontFamily``) and Courier New print in the Liberation
#: faces, which have their advance widths: lines break and align where a browser's (and node-canvas', through
#: fontconfig's metric aliases) do. Noto Serif for an unset family broke a 30 px textbox a word early
#: (docs/fabric.md, corpus ``editor_saves``).
DEFAULT_FONT_MAP: Mapping[str, str] = {
    "arial": "liberation-sans",
    "helvetica": "liberation-sans",
    "arimo": "liberation-sans",
    "helvetica neue": "noto-sans",
    "verdana": "noto-sans",
    "tahoma": "noto-sans",
    "trebuchet ms": "noto-sans",
    "open sans": "noto-sans",
    "roboto": "noto-sans",
    "sans-serif": "noto-sans",
    "system-ui": "noto-sans",
    "times new roman": "liberation-serif",
    "times": "liberation-serif",
    "tinos": "liberation-serif",
    "courier new": "liberation-mono",
    "courier": "liberation-mono",
    "cousine": "liberation-mono",
    "monospace": "liberation-mono",
    "georgia": "noto-serif",
    "garamond": "eb-garamond",
    "serif": "noto-serif",
    "cursive": "dancing-script",
    "pacifico": "dancing-script",
    "great vibes": "dancing-script",
    "lobster": "lobster-two",
    "oswald": "bebas-neue",
    "anton": "bebas-neue",
    "impact": "bebas-neue",
}


#: The face an unknown ``fontFamily`` prints in where the caller does not choose (the public Python API and
#: the CLI): Fabric's canvas draws an unknown family in the platform's default sans-serif face (node-canvas:
#: fontconfig's, DejaVu Sans on Debian), so a storefront's design renders as its editor showed it instead of
#: being refused; the substitution is reported in the import's notes. The HTTP API stays strict unless the
#: request sets ``fabric_options.font_fallback``.
DEFAULT_FONT_FALLBACK = "noto-sans"


@dataclass(frozen=True)
class FabricOptions:
    """How a Fabric canvas lands on a template.

    ``canvas_size`` is the editor canvas in px (``toJSON()`` does not record it); ``covers`` says whether
    that canvas is the trim box or the bleed box. ``font_map`` maps lower-case Fabric family names to
    bundled family ids; ``font_fallback`` (a family id) is used for unknown families instead of an error
    and reported in :attr:`FabricImport.notes`.

    ``image_dir``: image ``src`` paths (``photo.jpg``, ``img/a.png``, ``file://…``) are read from this folder
    and may not leave it (the CLI sets it to the JSON file's folder); without it only ``data:`` URLs and
    ``asset:<id>`` are accepted. ``unsupported``: ``"refuse"`` (default, print jobs) raises one
    :class:`~render_engine.model.errors.DesignError` listing every property the importer cannot honour;
    ``"approximate"`` (previews) draws the closest supported thing and lists each approximation in
    :attr:`FabricImport.approximations` (preflight warnings ``fabric.approximated``). ``max_source_pixels``:
    an image over it is a 413 at its ``.src`` before any of its pixels is decoded. ``multiplier``: the
    ``toDataURL`` multiplier of Fabric's Node render the output is to match (node-canvas draws an image's
    shadow in the user space of ``drawImage``, viewport included, so it grows with the multiplier); the
    raster renders of a canvas as it is set it to their ``scale``; 1 for print files.
    """

    canvas_size: tuple[float, float] | None = None  # overrides the request's "canvas"
    covers: Covers | None = None  # overrides the request's "canvas_covers"; default "trim"
    font_map: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_FONT_MAP))
    font_fallback: str | None = None
    aspect_tolerance: float = 0.01
    image_dir: Path | None = None
    unsupported: Unsupported = "refuse"
    # width x height x pages of an image src, from its header, before the importer decodes anything (filters,
    # flips, a shadow's alpha): ``load_fabric_json`` fills in the engine's ``max_source_pixels``
    max_source_pixels: int | None = None
    multiplier: float = 1.0


def raster_multiplier(scale: object, fmt: str | None, out: object) -> float:
    """Fabric's ``toDataURL`` multiplier a raster render at ``scale`` matches (its image shadows grow with
    it, docs/fabric.md "Browser or Node"); 1 for a PDF (no multiplier) or without a valid scale."""
    pdf = fmt == "pdf" or (fmt is None and out is not None and str(out).lower().endswith(".pdf"))
    if pdf or isinstance(scale, bool) or not isinstance(scale, int | float) or not scale > 0:
        return 1.0
    return float(scale)
