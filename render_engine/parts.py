"""Multi-surface and multi-page products: a design's surfaces laid out one by one, its parts written
(issue #18, docs/products.md).

    plan (model.surface_plan) -> prepare each surface -> draw + write each part

Every surface and page is prepared exactly as a v1 design is (:func:`render_engine.pipeline.prepare`, against
its derived single-surface template), so the raster and PDF backends, preflight, proofs and mockups work on
it unchanged. This module only composes: a PDF part is one page per surface (:mod:`.backends.pdf_pages`), a
PNG part the one surface's PNG. Pages are drawn and written one at a time: a layout holds no pixels, so
memory does not grow with the page count.

Errors of a surface name it: ``surfaces.back.layers[2].box.width``, ``pages[3].layers[0].asset``; every
surface is prepared before one error lists every problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .engine import Engine
from .inputs.assets import AssetLoader
from .layout.prepared import Prepared
from .model.design import Design
from .model.errors import DesignError, LimitExceeded, RenderError
from .model.outputs import Format, RenderResult, StepTimer
from .model.surface_plan import PartPlan, SurfaceRef, plan_parts, select_surface
from .pipeline import check_dpi, decode_failures, prepare, render_prepared

if TYPE_CHECKING:
    from .backends.pdf import PdfOptions


@dataclass(frozen=True)
class PreparedSurface:
    ref: SurfaceRef
    prep: Prepared


@dataclass(frozen=True)
class PreparedPart:
    plan: PartPlan
    surfaces: tuple[PreparedSurface, ...]


@dataclass(frozen=True)
class PreparedParts:
    """A multi-surface design ready to draw: its parts, each with its prepared surfaces, in order."""

    design: Design
    parts: tuple[PreparedPart, ...]

    def surfaces(self) -> Iterator[PreparedSurface]:
        for part in self.parts:
            yield from part.surfaces

    def select(self, surface: str | None = None, page: int | None = None) -> PreparedSurface:
        """The surface by name or the page by number (1-based); by default the first one the design gives."""
        ref = select_surface([p.plan for p in self.parts], surface, page)
        return next(s for s in self.surfaces() if s.ref is ref)

    @property
    def page_count(self) -> int:
        return sum(p.plan.pages for p in self.parts)


def is_multi(design: Design, engine: Engine) -> bool:
    """Whether ``design`` renders through parts: a multi-surface template or a design addressing surfaces."""
    return design.is_multi or engine.templates.get(design.template).is_multi


def _prefixed(exc: RenderError, prefix: str) -> RenderError:
    def one(e: RenderError) -> RenderError:
        absolute = e.field == "template" or (e.field or "").startswith("pages[")  # a spread layer's own page
        field = e.field if absolute else f"{prefix}.{e.field}" if e.field else prefix
        out = type(e)(e.message, field=field, local_detail=e.local_detail)
        out.__cause__ = e.__cause__
        return out

    out = one(exc)
    out.problems = tuple(one(p) for p in exc.problems)
    return out


def prepare_parts(
    design: Design,
    engine: Engine,
    base_dir: Path,
    timer: StepTimer | None = None,
    asset_loader: AssetLoader | None = None,
) -> PreparedParts:
    """Plan the parts and prepare every surface (resolve + layout): one error lists every problem of every
    surface (a hard limit stops at once)."""
    timer = timer or StepTimer()
    plans = plan_parts(design, engine.templates.get(design.template))
    problems: list[RenderError] = []
    parts: list[PreparedPart] = []
    for plan in plans:
        done: list[PreparedSurface] = []
        for ref in plan.surfaces:
            try:
                done.append(
                    PreparedSurface(ref, prepare(ref.design, engine, base_dir, timer, asset_loader, ref.template))
                )
            except LimitExceeded as exc:
                raise _prefixed(exc, ref.field) from None
            except RenderError as exc:
                err = _prefixed(exc, ref.field)
                problems.extend(err.problems or (err,))
        parts.append(PreparedPart(plan, tuple(done)))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        first = problems[0]
        err = DesignError(
            f"{len(problems)} problems: "
            + "; ".join(str(p) for p in problems[:3])
            + ("; …" if len(problems) > 3 else ""),
            field=first.field,
        )
        err.problems = tuple(problems)
        raise err
    return PreparedParts(design, tuple(parts))


def prepare_surface(
    design: Design,
    engine: Engine,
    base_dir: Path,
    timer: StepTimer | None = None,
    asset_loader: AssetLoader | None = None,
    *,
    surface: str | None = None,
    page: int | None = None,
) -> Prepared:
    """One surface ready to draw (a preview, a mockup): the surface by name or the page by number of a
    multi-surface design (by default the first it gives; only that surface is resolved and laid out), or a
    v1 design's only one (a ``surface`` / ``page`` asked of it is a :class:`DesignError` naming it)."""
    if not is_multi(design, engine):
        if surface is not None or page is not None:
            raise DesignError("this product has one surface", field="surface" if surface is not None else "page")
        return prepare(design, engine, base_dir, timer, asset_loader)
    ref = select_surface(plan_parts(design, engine.templates.get(design.template)), surface, page)
    try:
        return prepare(ref.design, engine, base_dir, timer, asset_loader, ref.template)
    except RenderError as exc:
        raise _prefixed(exc, ref.field) from None


def render_parts(
    prepared: PreparedParts,
    engine: Engine,
    out_dir: Path,
    *,
    fmt: Format | None = None,
    dpi: float | None = None,
    timer: StepTimer | None = None,
    soft_proof: bool = False,
    pdf_options: PdfOptions | None = None,
    name: str = "design",
    only: Callable[[PartPlan], bool] | None = None,
) -> list[RenderResult]:
    """Write every part into ``out_dir`` (created): ``<part>.pdf`` with one page per surface, or
    ``<part>.png``. ``fmt`` forces a format: PNG for a part of several pages writes ``<part>-<surface>.png``
    per page (previews, tests), PDF writes the part as a PDF. ``only`` filters the parts."""
    timer = timer or StepTimer()
    if dpi is not None:
        check_dpi(dpi, engine)
    out_dir.mkdir(parents=True, exist_ok=True)
    results: list[RenderResult] = []
    for part in prepared.parts:
        plan = part.plan
        if only is not None and not only(plan):
            continue
        part_fmt = fmt or plan.format
        if part_fmt == "png":
            for s in part.surfaces:
                stem = plan.name if len(part.surfaces) == 1 else f"{plan.name}-{s.ref.key}"
                res = render_prepared(
                    s.prep,
                    engine,
                    out_dir / f"{stem}.png",
                    fmt="png",
                    dpi=dpi,
                    name=name,
                    timer=timer,
                    soft_proof=soft_proof,
                )
                results.append(_part_result(res, plan, (s.ref,)))
            continue
        out = out_dir / f"{plan.name}.pdf"
        if len(part.surfaces) == 1:
            res = render_prepared(
                part.surfaces[0].prep, engine, out, fmt="pdf", name=name, timer=timer, pdf_options=pdf_options
            )
        else:
            from .backends.pdf_pages import write_pdf_pages

            preps = [s.prep for s in part.surfaces]
            with decode_failures(preps[0]):
                write_pdf_pages(preps, engine, out, timer=timer, options=pdf_options)
            t = preps[0].layout.template
            res = RenderResult(
                name, t.id, "pdf", out, out.stat().st_size, float(t.dpi.target), None, dict(timer.seconds)
            )
        results.append(_part_result(res, plan, tuple(s.ref for s in part.surfaces)))
    return results


def _part_result(res: RenderResult, plan: PartPlan, refs: tuple[SurfaceRef, ...]) -> RenderResult:
    return RenderResult(
        res.design,
        res.template,
        res.format,
        res.path,
        res.bytes,
        res.dpi,
        res.pixels,
        res.timings,
        res.warnings,
        part=plan.name,
        surfaces=tuple(r.key for r in refs),
    )


def render_design_parts(
    design: Design,
    engine: Engine,
    out_dir: Path,
    *,
    base_dir: Path,
    fmt: Format | None = None,
    dpi: float | None = None,
    name: str = "design",
    timer: StepTimer | None = None,
    asset_loader: AssetLoader | None = None,
    soft_proof: bool = False,
    pdf_options: PdfOptions | None = None,
    on_prepared: Callable[[PreparedParts], None] | None = None,
) -> RenderResult:
    """prepare + render every part of a multi-surface design into ``out_dir``: a :class:`RenderResult`
    whose ``parts`` are the files (its own ``path`` is the folder, ``bytes`` their sum)."""
    timer = timer or StepTimer()
    prepared = prepare_parts(design, engine, base_dir, timer, asset_loader)
    if on_prepared is not None:
        on_prepared(prepared)
    parts = render_parts(
        prepared,
        engine,
        out_dir,
        fmt=fmt,
        dpi=dpi,
        timer=timer,
        soft_proof=soft_proof,
        pdf_options=pdf_options,
        name=name,
    )
    first = parts[0]
    return RenderResult(
        name,
        design.template,
        first.format,
        out_dir,
        sum(p.bytes for p in parts),
        first.dpi,
        first.pixels,
        dict(timer.seconds),
        parts=tuple(parts),
    )


def render_file(
    path: Path,
    engine: Engine,
    out_dir: Path,
    *,
    fmt: Format | None = None,
    dpi: float | None = None,
    soft_proof: bool = False,
    pdf_options: PdfOptions | None = None,
    on_prepared: Callable[[Prepared, SurfaceRef | None], None] | None = None,
) -> RenderResult:
    """A design file rendered as :func:`render_engine.pipeline.render_file` does (``<stem>.<fmt>`` in
    ``out_dir``); a multi-surface one writes its parts into ``out_dir/<stem>/`` (``card.pdf``, ``front.png``).
    ``on_prepared`` sees each surface's layout before any pixels (and its :class:`SurfaceRef`, None for v1)."""
    from .model.design import load_design_file
    from .pipeline import render_file as render_single

    timer = StepTimer()
    with timer.step("parse"):
        design = load_design_file(path)
    if not is_multi(design, engine):
        single = (lambda prep: on_prepared(prep, None)) if on_prepared is not None else None
        return render_single(
            path, engine, out_dir, fmt=fmt, dpi=dpi, soft_proof=soft_proof, pdf_options=pdf_options, on_prepared=single
        )

    def each(prepared: PreparedParts) -> None:
        if on_prepared is not None:
            for s in prepared.surfaces():
                on_prepared(s.prep, s.ref)

    stem = path.name.removesuffix(".json")
    return render_design_parts(
        design,
        engine,
        out_dir / stem,
        base_dir=path.parent,
        fmt=fmt,
        dpi=dpi,
        name=path.name,
        timer=timer,
        soft_proof=soft_proof,
        pdf_options=pdf_options,
        on_prepared=each,
    )
