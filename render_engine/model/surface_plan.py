"""A multi-surface design split into single-surface designs, grouped by print file (issue #18).

:func:`plan_parts` checks a design against its template's surfaces, pages and parts — every problem at
once, each naming its field (``surfaces.bak``, ``pages``) — and returns the parts in order, each with its
surfaces in order. Each :class:`SurfaceRef` holds a plain v1 :class:`Design` (the surface's layers) and the
surface's derived single-surface :class:`Template`, so the pipeline lays it out exactly as it lays out any
design today; the ``field`` prefix puts errors back where the customer wrote them
(``surfaces.back.layers[2].box.width``).

Pure: no I/O, no pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .cover import COVER, CoverGeometry, anchor_layers
from .design import Design
from .errors import DesignError, did_you_mean, several
from .outputs import Format
from .spreads import carried_from, expand_spreads, refuse_spreads, source_fields
from .surfaces import PAGES
from .templates import Template, cover_template, interior_page_template


@dataclass(frozen=True)
class SurfaceRef:
    """One surface or page of a design: what it is called, where its errors point, what it draws."""

    key: str  # "front", "inside", "page-3": unique in the design, used in file names and findings
    field: str  # "surfaces.front", "pages[2]": the prefix of its errors' fields
    label: str  # "Back", "Page 3"
    surface: str | None  # the surface's name, None for a page
    page: int | None  # 1-based page number within the pages run, None for a named surface
    template: Template  # the derived single-surface template
    design: Design  # a v1 design holding this surface's layers (empty: printed blank)
    part: str
    carried: int = 0  # a book page's first layers: the spread layers of the page before it (model/spreads.py)

    @property
    def blank(self) -> bool:
        return not self.design.layers


@dataclass(frozen=True)
class PartPlan:
    """One print file and the surfaces (pages) in it, in reading order."""

    name: str  # the file stem: card, front, interior
    label: str
    format: Format  # the part's own format (its first surface's template output)
    surfaces: tuple[SurfaceRef, ...]

    @property
    def pages(self) -> int:
        return len(self.surfaces)


def _title(name: str) -> str:
    return name.replace("-", " ").capitalize()


def plan_parts(design: Design, template: Template) -> list[PartPlan]:
    """The print files of a multi-surface design (only parts with at least one surface the design gives;
    that part's other surfaces print blank), or one :class:`DesignError` listing every problem."""
    problems: list[DesignError] = []
    if not template.is_multi:
        for key in ("surfaces", "pages"):
            if getattr(design, key):
                problems.append(
                    DesignError(f"template {template.id} has one surface: put its layers in 'layers'", field=key)
                )
        raise several(problems)
    names = [*template.surfaces, *([PAGES] if template.pages else [])]
    if design.layers:
        where = ", ".join(f"surfaces.{n}" if n != PAGES else "pages" for n in names)
        problems.append(
            DesignError(f"template {template.id} prints several surfaces: put layers under {where}", field="layers")
        )
    for name in design.surfaces:
        if name not in template.surfaces:
            known = ", ".join(template.surfaces) or "none (it has pages)"
            problems.append(
                DesignError(
                    f"no such surface{did_you_mean(name, template.surfaces)}; the surfaces are: {known}",
                    field=f"surfaces.{name}",
                )
            )
    book = template.book
    if design.paper is not None and book is None:
        problems.append(DesignError(f"template {template.id} is not a book: it has no paper to choose", field="paper"))
    elif design.paper is not None and book is not None and design.paper not in book.papers:
        hint = did_you_mean(design.paper, book.papers)
        problems.append(DesignError(f"unknown paper{hint}; papers: {', '.join(book.papers)}", field="paper"))
    if design.direction is not None and book is None:
        problems.append(
            DesignError(f"template {template.id} is not a book: it has no binding direction", field="direction")
        )
    elif design.direction is not None and book is not None and design.direction != book.direction:
        template = template.model_copy(update={"book": book.model_copy(update={"direction": design.direction})})
    if template.pages is None and design.pages:
        problems.append(DesignError(f"template {template.id} has no pages; use surfaces", field="pages"))
    elif template.pages is not None and (design.pages or not design.surfaces):
        count = template.pages.count
        if not count.allows(len(design.pages)):
            problems.append(
                DesignError(f"{len(design.pages)} pages; this product takes {count.describe()}", field="pages")
            )
    for name, surface in design.surfaces.items():
        problems += refuse_spreads(surface.layers, f"surfaces.{name}.layers")
    if not design.surfaces and not design.pages and not problems:
        problems.append(DesignError("nothing to print: give layers for at least one surface", field="surfaces"))
    if problems:
        raise several(problems)
    page_layers: list[list[Any]] = []
    carried: list[list[str]] = []
    if template.pages is not None and design.pages:
        # no panels on pages
        anchored = [anchor_layers(p.layers, None, f"pages[{i}].layers") for i, p in enumerate(design.pages)]
        page_w = template.surface_template(PAGES).trim_w
        rtl = template.book is not None and template.book.direction == "rtl"
        page_layers, problems = expand_spreads(anchored, page_w, template.book is not None, rtl=rtl)
        carried = carried_from(anchored)
        if problems:
            raise several(problems)

    parts: list[PartPlan] = []
    for spec in template.part_specs():
        refs: list[SurfaceRef] = []
        for name in spec.surfaces:
            if name == PAGES:
                page_t = template.surface_template(PAGES)
                for i, on_page in enumerate(page_layers):  # spread layers on both facing pages (model/spreads.py)
                    if template.book is not None:  # a book's page: its gutter on the binding side
                        page_t = interior_page_template(template, i + 1)
                    single = Design(version=1, template=design.template, layers=on_page, meta=design.meta)
                    if carried[i]:  # errors name the spread layer where it was written, the page's own as written
                        single._sources = source_fields(single._sources, len(on_page), carried[i])
                    refs.append(
                        SurfaceRef(
                            f"page-{i + 1}", f"pages[{i}]", f"Page {i + 1}", None, i + 1, page_t, single, spec.name,
                            len(carried[i]),
                        )
                    )
                continue
            given = design.surfaces.get(name)
            surface_t, cover = _surface_template(template, name, design)
            layers = anchor_layers(given.layers, cover, f"surfaces.{name}.layers") if given else []
            single = Design(version=1, template=design.template, layers=layers, meta=design.meta)
            label = template.surfaces[name].label or _title(name)
            refs.append(SurfaceRef(name, f"surfaces.{name}", label, name, None, surface_t, single, spec.name))
        if refs and any(not r.blank for r in refs):
            fmt = refs[0].template.output.default_format
            parts.append(PartPlan(spec.name, spec.label or _title(spec.name), fmt, tuple(refs)))
    return parts


def require_parts(parts: list[PartPlan], design: Design) -> list[PartPlan]:
    """``parts`` when there is at least one print file; surfaces given, each with no layers (a Fabric canvas
    of nothing, ``{"outside": {"layers": []}}``) make none: a :class:`DesignError` on ``surfaces`` (it was an
    IndexError, a 500, wherever the first surface was picked)."""
    if not parts:
        given = ", ".join(f"surfaces.{n}" for n in design.surfaces) or "pages"
        raise DesignError(f"nothing to print: {given} has no layers; give layers for at least one surface",
                          field="surfaces" if design.surfaces else "pages")  # fmt: skip
    return parts


def _surface_template(template: Template, name: str, design: Design) -> tuple[Template, CoverGeometry | None]:
    """A surface's template; a book's cover is computed from the design's page count (model/cover.py)."""
    if template.book is None or name != COVER:
        return template.surface_template(name), None
    return cover_template(template, len(design.pages) if design.pages else None, design.paper)


def select_surface(parts: list[PartPlan], surface: str | None = None, page: int | None = None) -> SurfaceRef:
    """The surface named ``surface`` or page number ``page`` (1-based) of a planned design, or the first
    surface the design gives; a :class:`DesignError` naming ``surface`` / ``page`` otherwise."""
    refs = [r for p in parts for r in p.surfaces]
    if surface is not None and page is not None:
        raise DesignError("give a surface or a page, not both", field="surface")
    if surface is not None:
        for r in refs:
            if r.surface == surface:
                return r
        names = [r.surface for r in refs if r.surface]
        raise DesignError(
            f"no such surface{did_you_mean(surface, names)}; this design prints: {', '.join(names) or 'pages only'}",
            field="surface",
        )
    if page is not None:
        pages = [r for r in refs if r.page is not None]
        if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= len(pages):
            raise DesignError(
                f"page is a number from 1 to {len(pages)}" if pages else "this design has no pages", field="page"
            )
        return pages[page - 1]
    return next((r for r in refs if not r.blank), refs[0])
