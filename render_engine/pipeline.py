"""The render pipeline: a short list of named steps with explicit data between them.

    parse -> resolve -> layout -> draw -> write

``PRINT_STEPS`` (:mod:`.steps`) is that list, as the functions this module's entry points iterate. One
pipeline for every product: a v1 design is its one-surface case (one surface, one output file, its errors as
they are); a multi-surface or multi-page product (docs/products.md) is planned into parts by ``parse``, every
surface goes through resolve and layout, and each part's print file through draw and write (a PDF part is one
page per surface: :mod:`.backends.pdf_pages`; a PNG part the surface's PNG). Pages are drawn and written one
file at a time: a layout holds no pixels, so memory does not grow with the page count.

libvips is lazy: ``draw`` only builds the image graph, and decoding, resizing, compositing and encoding all
happen inside ``write``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .engine import Engine
from .inputs.assets import AssetLoader
from .layout.prepared import Prepared, PreparedPart, PreparedParts
from .model.design import Design
from .model.outputs import Format, RenderResult, StepTimer
from .model.surface_plan import PartPlan, SurfaceRef
from .model.templates import Template
from .steps import (
    OUTPUT_STEPS,
    PREPARE_STEPS,
    PRINT_STEPS,
    Output,
    Run,
    check_dpi,
    decode_failures,
    is_multi,
    prepared_parts,
    prepared_surface,
    run_output,
    run_prepare,
    start_pdf_images,
)

if TYPE_CHECKING:
    from .backends.pdf_images import PageImages
    from .backends.pdf_options import PdfOptions

__all__ = [
    "OUTPUT_STEPS",
    "PREPARE_STEPS",
    "PRINT_STEPS",
    "Prepared",
    "RenderResult",
    "StepTimer",
    "check_dpi",
    "decode_failures",
    "is_multi",
    "output_format",
    "prepare",
    "prepare_parts",
    "render_design",
    "render_design_file",
    "render_design_parts",
    "render_file",
    "render_parts",
    "render_prepared",
]


def prepare(
    design: Design,
    engine: Engine,
    base_dir: Path,
    timer: StepTimer | None = None,
    asset_loader: AssetLoader | None = None,
    template: Template | None = None,
) -> Prepared:
    """resolve + layout of a v1 design: everything before pixels. Raises typed errors naming the field.
    ``template`` replaces the design's (one surface of a multi-surface product: :mod:`render_engine.parts`)."""
    run = Run(engine, base_dir, timer or StepTimer(), asset_loader, design=design, template=template)
    return prepared_surface(run_prepare(run).surfaces[0])


def prepare_parts(
    design: Design,
    engine: Engine,
    base_dir: Path,
    timer: StepTimer | None = None,
    asset_loader: AssetLoader | None = None,
) -> PreparedParts:
    """Plan the parts and prepare every surface (resolve + layout): one error lists every problem of every
    surface (a hard limit stops at once)."""
    run = Run(engine, base_dir, timer or StepTimer(), asset_loader, design=design, multi=True)
    return prepared_parts(run_prepare(run))


def output_format(prep: Prepared, requested: Format | None) -> Format:
    return requested or prep.layout.template.output.default_format


def render_design(
    design: Design,
    engine: Engine,
    out: Path,
    *,
    base_dir: Path,
    fmt: Format | None = None,
    dpi: float | None = None,
    name: str = "design",
    timer: StepTimer | None = None,
    asset_loader: AssetLoader | None = None,
    soft_proof: bool = False,
    pdf_options: PdfOptions | None = None,
    on_prepared: Callable[[Prepared], None] | None = None,
) -> RenderResult:
    """Render one design to ``out`` (a file path). The format defaults to the template's.

    ``soft_proof`` (PNG only) shows a CMYK product's colours through its output profile. ``on_prepared`` sees
    the layout before any pixels (the command line runs preflight there and prints its warnings).
    """
    timer = timer or StepTimer()
    prep = prepare(design, engine, base_dir, timer, asset_loader)
    ahead = start_pdf_images(prep, engine, fmt, dpi, pdf_options) if on_prepared is not None else None
    try:
        if on_prepared is not None:
            on_prepared(prep)
        return render_prepared(
            prep, engine, out, fmt=fmt, dpi=dpi, name=name, timer=timer, soft_proof=soft_proof,
            pdf_options=pdf_options, ahead=ahead,
        )  # fmt: skip
    finally:
        if ahead is not None:
            ahead.close()


def render_prepared(
    prep: Prepared,
    engine: Engine,
    out: Path,
    *,
    fmt: Format | None = None,
    dpi: float | None = None,
    name: str = "design",
    timer: StepTimer | None = None,
    soft_proof: bool = False,
    pdf_options: PdfOptions | None = None,
    ahead: PageImages | None = None,
) -> RenderResult:
    """draw + write of a layout :func:`prepare` computed: several outputs of one design (a job's PDF, PNG and
    proof) share one resolve and one layout. ``ahead``: a PDF's image work already started
    (:func:`~render_engine.steps.start_pdf_images`; the caller closes it)."""
    timer = timer or StepTimer()
    t = prep.layout.template
    fmt = output_format(prep, fmt)
    dpi = check_dpi(t.dpi.target if dpi is None else dpi, engine)
    done = run_output(Output(out, fmt, (prep,), dpi, soft_proof, pdf_options, ahead=ahead), engine, timer)
    return _result(done, name, timer)


def _result(out: Output, name: str, timer: StepTimer) -> RenderResult:
    t = out.pages[0].layout.template
    return RenderResult(
        design=name,
        template=t.id,
        format=out.format,
        path=out.path,
        bytes=out.path.stat().st_size,
        dpi=out.dpi,
        pixels=out.pixels,
        timings=dict(timer.seconds),
    )


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
        if only is not None and not only(part.plan):
            continue
        for out, refs in _outputs(part, engine, out_dir, fmt, dpi, soft_proof, pdf_options):
            results.append(_part_result(_result(run_output(out, engine, timer), name, timer), part.plan, refs))
    return results


def _outputs(
    part: PreparedPart,
    engine: Engine,
    out_dir: Path,
    fmt: Format | None,
    dpi: float | None,
    soft_proof: bool,
    pdf_options: PdfOptions | None,
) -> list[tuple[Output, tuple[SurfaceRef, ...]]]:
    """The print files of one part: a PNG per surface (``<part>.png``, or ``<part>-<surface>.png`` when the
    part has several), or one PDF of every surface (``<part>.pdf``, one page each)."""
    plan = part.plan
    if (fmt or plan.format) == "png":
        outs: list[tuple[Output, tuple[SurfaceRef, ...]]] = []
        for s in part.surfaces:
            stem = plan.name if len(part.surfaces) == 1 else f"{plan.name}-{s.ref.key}"
            t = s.prep.layout.template
            png_dpi = check_dpi(t.dpi.target if dpi is None else dpi, engine)
            outs.append((Output(out_dir / f"{stem}.png", "png", (s.prep,), png_dpi, soft_proof), (s.ref,)))
        return outs
    pages = tuple(s.prep for s in part.surfaces)
    t = pages[0].layout.template
    pdf_dpi = check_dpi(t.dpi.target, engine) if len(pages) == 1 else float(t.dpi.target)
    out = Output(out_dir / f"{plan.name}.pdf", "pdf", pages, pdf_dpi, pdf_options=pdf_options)
    return [(out, tuple(s.ref for s in part.surfaces))]


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
    return _whole(prepared, engine, out_dir, fmt, dpi, name, timer, soft_proof, pdf_options)


def _whole(
    prepared: PreparedParts,
    engine: Engine,
    out_dir: Path,
    fmt: Format | None,
    dpi: float | None,
    name: str,
    timer: StepTimer,
    soft_proof: bool,
    pdf_options: PdfOptions | None,
) -> RenderResult:
    parts = render_parts(
        prepared, engine, out_dir, fmt=fmt, dpi=dpi, timer=timer, soft_proof=soft_proof, pdf_options=pdf_options,
        name=name,
    )  # fmt: skip
    first = parts[0]
    return RenderResult(
        name,
        prepared.design.template,
        first.format,
        out_dir,
        sum(p.bytes for p in parts),
        first.dpi,
        first.pixels,
        dict(timer.seconds),
        parts=tuple(parts),
    )


def render_design_file(
    path: Path,
    engine: Engine,
    out_dir: Path,
    *,
    fmt: Format | None = None,
    dpi: float | None = None,
    soft_proof: bool = False,
    pdf_options: PdfOptions | None = None,
    on_prepared: Callable[[Prepared, SurfaceRef | None], None] | None = None,
    multi: bool | None = None,
) -> RenderResult:
    """A design file through every step, ``parse`` first. A v1 design writes ``out_dir/<stem>.<fmt>``; a
    multi-surface one its parts into ``out_dir/<stem>/`` (``card.pdf``, ``front.png``). ``on_prepared`` sees
    each surface's layout before any pixels (and its :class:`SurfaceRef`, None for v1). ``multi=False``
    renders only v1 designs (a multi-surface one is an error naming its parts)."""
    timer = StepTimer()
    run = run_prepare(Run(engine, path.parent, timer, source=path, multi=multi))
    stem = path.name.removesuffix(".json")
    if run.plans is None:
        prep = prepared_surface(run.surfaces[0])
        # the images start before on_prepared's preflight (the command line's) and the PDF writer's imports
        ahead = start_pdf_images(prep, engine, fmt, dpi, pdf_options) if on_prepared is not None else None
        try:
            if on_prepared is not None:
                on_prepared(prep, None)
            fmt = output_format(prep, fmt)
            return render_prepared(
                prep,
                engine,
                out_dir / f"{stem}.{fmt}",
                fmt=fmt,
                dpi=dpi,
                name=path.name,
                timer=timer,
                soft_proof=soft_proof,
                pdf_options=pdf_options,
                ahead=ahead,
            )
        finally:
            if ahead is not None:
                ahead.close()
    prepared = prepared_parts(run)
    if on_prepared is not None:
        for s in prepared.surfaces():
            on_prepared(s.prep, s.ref)
    return _whole(prepared, engine, out_dir / stem, fmt, dpi, path.name, timer, soft_proof, pdf_options)


def render_file(
    path: Path,
    engine: Engine,
    out_dir: Path,
    *,
    fmt: Format | None = None,
    dpi: float | None = None,
    soft_proof: bool = False,
    pdf_options: PdfOptions | None = None,
    on_prepared: Callable[[Prepared], None] | None = None,
) -> RenderResult:
    """A v1 design file rendered to ``out_dir/<stem>.<fmt>`` (:func:`render_design_file` with ``multi=False``)."""
    each = (lambda prep, _ref: on_prepared(prep)) if on_prepared is not None else None
    return render_design_file(
        path, engine, out_dir, fmt=fmt, dpi=dpi, soft_proof=soft_proof, pdf_options=pdf_options, on_prepared=each,
        multi=False,
    )  # fmt: skip
