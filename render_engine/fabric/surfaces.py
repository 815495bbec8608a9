"""A Fabric document of several canvases: one per surface or page of a multi-surface product (issue #18).

A storefront editor keeps one Fabric canvas per side or page and posts them together::

    {"template": "card-folded-5x7", "canvas": {"width": 1000, "height": 700},
     "surfaces": {"outside": <toJSON()>, "inside": <toJSON()>}}
    {"template": "photo-book-8x8-hardcover", "surfaces": {"cover": …}, "pages": [<toJSON()>, …]}

Each canvas (bare ``toJSON()`` or the one-canvas wrapper ``{"canvas", "canvas_covers", "fabric"}``) is
imported by :func:`.importer.import_fabric` onto its own surface's derived template (a book cover: the cover
sheet for the document's page count and ``paper``), and the layers become the surfaces / pages of one native
multi-surface :class:`Design`, which the pipeline renders like any other (a file per part). The document's
``canvas`` / ``canvas_covers`` are the defaults for canvases that do not give their own. Every problem of every
canvas is reported at once, each field prefixed with where the canvas is (``surfaces.back.objects[3].fill``,
``pages[2].fabric.objects[0].src``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ..engine import Engine
from ..model.cover import COVER
from ..model.design import Design, SurfaceDesign, parse_design, safe_key
from ..model.errors import DesignError, RenderError, several
from ..model.size_limits import check_fabric
from ..model.surface_plan import plan_parts
from ..model.surfaces import PAGES
from ..model.templates import Template, cover_template
from .importer import FabricImport, import_fabric, is_canvas
from .options import FabricOptions

#: top-level keys of a document of several canvases besides the canvases
_DOC_KEYS = {"template", "canvas", "canvas_covers", "surfaces", "pages", "paper", "version"}


def is_multi_canvas(data: Any) -> bool:
    """``{"surfaces": {name: canvas}}`` and/or ``{"pages": [canvas, …]}`` where some canvas is Fabric (a native
    multi-surface design has ``"version": 1`` and ``layers`` in each surface)."""
    if not isinstance(data, dict) or data.get("version") == 1 or "layers" in data or "objects" in data:
        return False
    surfaces, pages = data.get("surfaces"), data.get("pages")
    canvases = [*(surfaces.values() if isinstance(surfaces, dict) else ()), *(pages if isinstance(pages, list) else ())]
    return any(is_canvas(c) for c in canvases)


def _prefixed(where: str, field: str | None) -> str:
    return f"{where}.{field}" if field and field != "design" else where


def _reprefix(exc: RenderError, where: str) -> RenderError:
    exc.field = _prefixed(where, exc.field)
    for p in exc.problems:
        p.field = _prefixed(where, p.field)
    return exc


def _has_size(canvas: dict[str, Any]) -> bool:
    inner = canvas.get("fabric")
    return (
        any(isinstance(d, dict) and ("width" in d or "height" in d) for d in (canvas, inner))
        or canvas.get("canvas") is not None
    )


def _skeleton(data: dict[str, Any], template: Template, surfaces: dict[str, Any], pages: list[Any]) -> None:
    """The document's shape checked as the native design it becomes, before any canvas is imported: surface
    names the product has, a page count it takes, a paper of the book (every problem at once, named as
    written: ``surfaces.bak``, ``pages``, ``paper``)."""
    skeleton = parse_design(
        {
            "version": 1,
            "template": template.id,
            "surfaces": {n: {"layers": []} for n in surfaces},
            "pages": [{"layers": []} for _ in pages],
            **({"paper": data["paper"]} if "paper" in data else {}),
        }
    )
    plan_parts(skeleton, template)


def _surface_template(template: Template, name: str | None, pages: int, paper: str | None) -> Template:
    """The template a canvas maps onto: its surface's, a book cover's sheet for this many pages, or a page's."""
    if name is None:
        return template.surface_template(PAGES)
    if template.book is not None and name == COVER:
        return cover_template(template, pages or None, paper)[0]
    return template.surface_template(name)


def import_surfaces(
    data: dict[str, Any], engine: Engine, template: Template, asset_dir: Path, options: FabricOptions
) -> FabricImport:
    """Every canvas of a document of several canvases imported onto its surface, as one native multi-surface
    design (:class:`FabricImport` with ``surface_sources``); one :class:`DesignError` listing every problem."""
    problems: list[RenderError] = []
    for key in data:
        if key not in _DOC_KEYS:
            what = "unknown field of a document of several Fabric canvases"
            problems.append(DesignError(what, field=safe_key(str(key))))
    surfaces = data.get("surfaces", {})
    pages = data.get("pages", [])
    if not isinstance(surfaces, dict):
        problems.append(DesignError('surfaces is {"<surface>": <Fabric canvas>, …}', field="surfaces"))
    if not isinstance(pages, list):
        problems.append(DesignError("pages is a list of Fabric canvases, in reading order", field="pages"))
    top_size = data.get("canvas")
    top_covers = data.get("canvas_covers")
    if top_covers is not None and top_covers not in ("trim", "bleed"):
        problems.append(DesignError("canvas_covers is 'trim' or 'bleed'", field="canvas_covers"))
    if problems:
        raise several(problems)
    _skeleton(data, template, surfaces, pages)
    paper = data.get("paper")

    jobs = [(f"surfaces.{n}", n, c) for n, c in surfaces.items()]
    jobs += [(f"pages[{i}]", None, c) for i, c in enumerate(pages)]
    imported: dict[str, FabricImport] = {}
    n_assets = 0
    for where, name, canvas in jobs:
        if not is_canvas(canvas):
            problems.append(DesignError("a Fabric canvas is toJSON() with 'objects', or {canvas, fabric}", field=where))
            continue
        opts = options
        if opts.canvas_size is None and not _has_size(canvas) and top_size is not None:
            size = (top_size.get("width"), top_size.get("height")) if isinstance(top_size, dict) else (None, None)
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in size):
                problems.append(DesignError('canvas is {"width": px, "height": px}', field="canvas"))
                continue
            opts = dataclasses.replace(opts, canvas_size=(float(size[0]), float(size[1])))  # type: ignore[arg-type]
        if opts.covers is None and "canvas_covers" not in canvas and top_covers is not None:
            opts = dataclasses.replace(opts, covers=top_covers)
        try:
            check_fabric(canvas, engine.settings)
            surface_t = _surface_template(template, name, len(pages), paper)
            one = import_fabric(canvas, surface_t, engine.fonts, asset_dir, opts, asset_start=n_assets, engine=engine)
        except RenderError as exc:
            _reprefix(exc, where)
            problems.extend(exc.problems or (exc,))
            continue
        n_assets = one.n_assets
        imported[f"{where}."] = one
    if problems:
        unique = {(p.field, p.message): p for p in problems}
        raise several(list(unique.values()))
    design = Design(
        version=1,
        template=template.id,
        surfaces={n: SurfaceDesign(layers=imported[f"surfaces.{n}."].design.layers) for n in surfaces},
        pages=[SurfaceDesign(layers=imported[f"pages[{i}]."].design.layers) for i in range(len(pages))],
        paper=paper,
    )
    return FabricImport(
        design,
        # each note starts with the field it is about: named by its side (surfaces.back.objects[3]: …)
        notes=tuple(dict.fromkeys(f"{p}{n}" for p, one in imported.items() for n in one.notes)),
        sources=(),
        text_lines={f"{p}{k}": v for p, one in imported.items() for k, v in one.text_lines.items()},
        approximations=tuple((f"{p}{f}", m) for p, one in imported.items() for f, m in one.approximations),
        surface_sources={p: tuple(f"{p}{s}" for s in one.sources) for p, one in imported.items()},
        n_assets=n_assets,
        objects={
            f"{p}{k}": dataclasses.replace(o, field=f"{p}{o.field}")
            for p, one in imported.items()
            for k, o in one.objects.items()
        },
    )
