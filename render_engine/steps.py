"""The print steps, as functions: ``parse -> resolve -> layout -> draw -> write``.

``PREPARE_STEPS`` (parse, resolve, layout) take a :class:`Run` — the request, then the design and each of
its surfaces — to one frozen layout per surface; ``OUTPUT_STEPS`` (draw, write) take each print file
(:class:`Output`) from layouts to bytes on disk. ``PRINT_STEPS`` is both, in order. Each step is a function
of frozen data returning new data (``dataclasses.replace``); :func:`run_prepare` and :func:`run_output`
iterate them, timing each under its name (:class:`StepTimer`: the benchmark CLI and the farm's histograms
point a regression at its step). A v1 design is the one-surface case (one surface, its errors as they are);
a multi-surface product is planned into parts by ``parse`` (model/surface_plan) and its surfaces run through
the same steps, their errors named after the surface (``surfaces.back.layers[2].box.width``), every problem
of every surface in one error. The entry points (render a design, a file, the parts) are in
:mod:`render_engine.pipeline`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pyvips

from .backends.writers import write_png
from .engine import Engine
from .inputs.assets import AssetLoader, verify_image
from .inputs.safety import svg_total_budget
from .layout.plan import Layout, plan_layout
from .layout.prepared import Prepared, PreparedPart, PreparedParts, PreparedSurface
from .layout.resolve import Resources, template_of
from .layout.resolve import resolve as resolve_resources
from .model.design import Design, load_design_file
from .model.errors import AssetError, DesignError, LimitExceeded, OutputError, RenderError, several
from .model.outputs import Format, StepTimer
from .model.spreads import refuse_spreads
from .model.surface_plan import PartPlan, SurfaceRef, plan_parts, require_parts
from .model.templates import Template

if TYPE_CHECKING:
    from .backends.pdf_images import PageImages
    from .backends.pdf_options import PdfOptions


def is_multi(design: Design, engine: Engine) -> bool:
    """Whether ``design`` renders through parts: a multi-surface template or a design addressing surfaces."""
    return design.is_multi or template_of(design, engine).is_multi


@dataclass(frozen=True)
class Surface:
    """One surface on its way through resolve and layout. ``ref`` is None for a v1 design (its errors are
    its own); a multi-surface design's surface prefixes its errors with ``ref.field``."""

    design: Design
    template: Template | None  # None: the design's own template (v1)
    ref: SurfaceRef | None = None
    resources: Resources | None = None
    layout: Layout | None = None
    error: RenderError | None = None


@dataclass(frozen=True)
class Run:
    """What flows through ``PREPARE_STEPS``: the request, then the design, then each surface's resources
    and layout. ``plans`` is None for a v1 design, else its parts (each surface of ``surfaces`` in order)."""

    engine: Engine
    base_dir: Path
    timer: StepTimer
    asset_loader: AssetLoader | None = None
    source: Path | None = None
    design: Design | None = None
    multi: bool | None = False  # render through parts; None: as the design asks (:func:`is_multi`)
    template: Template | None = None  # a v1 design's template override (one surface of a product)
    plans: tuple[PartPlan, ...] | None = None
    surfaces: tuple[Surface, ...] = ()


def parse(run: Run) -> Run:
    """The design read from its file (unless given), and the surfaces it prints: one for a v1 design, each
    surface of each part for a multi-surface one (model/surface_plan)."""
    design = run.design if run.design is not None else load_design_file(_source(run))
    if not (is_multi(design, run.engine) if run.multi is None else run.multi):
        return replace(run, design=design, surfaces=(Surface(design, run.template),))
    plans = tuple(require_parts(plan_parts(design, template_of(design, run.engine)), design))
    surfaces = tuple(Surface(ref.design, ref.template, ref) for plan in plans for ref in plan.surfaces)
    return replace(run, design=design, plans=plans, surfaces=surfaces)


def resolve(run: Run) -> Run:
    """Template, fonts and assets of every surface, checked before any pixel work (layout/resolve)."""

    def one(s: Surface) -> Surface:
        if spread := refuse_spreads(s.design.layers, "layers"):  # surface_plan expands a book's spreads
            raise several(spread)
        return replace(s, resources=resolve_resources(s.design, run.engine, run.base_dir, run.asset_loader, s.template))

    return replace(run, surfaces=tuple(_each_surface(s, one) for s in run.surfaces))


def layout(run: Run) -> Run:
    """The one frozen layout in mm of every surface that resolved (layout/plan); then every problem of
    every surface, in surface order, raised as one error."""

    def one(s: Surface) -> Surface:
        assert s.resources is not None
        return replace(s, layout=plan_layout(s.design, s.resources, run.engine.fonts))

    done = replace(run, surfaces=tuple(s if s.error else _each_surface(s, one) for s in run.surfaces))
    _raise_problems(done)
    return done


PREPARE_STEPS: tuple[Callable[[Run], Run], ...] = (parse, resolve, layout)


def _source(run: Run) -> Path:
    if run.source is None:
        raise ValueError("a run needs a design or a source file")
    return run.source


def _each_surface(s: Surface, step: Callable[[Surface], Surface]) -> Surface:
    """One step on one surface. A v1 surface's error stands as it is; a surface of a product keeps its
    error, prefixed with its field, for one error listing every surface's problems (a hard limit stops)."""
    try:
        try:
            return step(s)
        except RenderError as err:  # a field of a layer a calendar made names the calendar layer
            err.field = s.design.source_field(err.field)
            for p in err.problems:
                p.field = s.design.source_field(p.field)
            raise
    except LimitExceeded as exc:
        if s.ref is None:
            raise
        raise prefixed(exc, s.ref.field) from None
    except RenderError as exc:
        if s.ref is None:
            raise
        return replace(s, error=prefixed(exc, s.ref.field))


def _raise_problems(run: Run) -> None:
    problems = [p for s in run.surfaces if s.error is not None for p in (s.error.problems or (s.error,))]
    if len(problems) == 1:
        raise problems[0]
    if problems:
        err = DesignError(
            f"{len(problems)} problems: "
            + "; ".join(str(p) for p in problems[:3])
            + ("; …" if len(problems) > 3 else ""),
            field=problems[0].field,
        )
        err.problems = tuple(problems)
        raise err


def prefixed(exc: RenderError, prefix: str) -> RenderError:
    """``exc`` (and each of its problems) with its field under ``prefix`` (``surfaces.back``); ``template``
    and a spread layer's own ``pages[...]`` field stay as they are."""

    def one(e: RenderError) -> RenderError:
        absolute = e.field == "template" or (e.field or "").startswith("pages[")  # a spread layer's own page
        field = e.field if absolute else f"{prefix}.{e.field}" if e.field else prefix
        out = type(e)(e.message, field=field, local_detail=e.local_detail)
        out.__cause__ = e.__cause__
        return out

    out = one(exc)
    out.problems = tuple(one(p) for p in exc.problems)
    return out


def run_prepare(run: Run) -> Run:
    """``PREPARE_STEPS`` in order, each timed under its name (``parse`` only when it reads a file)."""
    for step in PREPARE_STEPS:
        if step is parse and run.design is not None:
            run = step(run)
            continue
        with run.timer.step(step.__name__):
            run = step(run)
    return run


def prepared_surface(s: Surface) -> Prepared:
    assert s.layout is not None and s.resources is not None
    return Prepared(s.design, s.resources, s.layout)


def prepared_parts(run: Run) -> PreparedParts:
    """The surfaces of a prepared multi-surface run, grouped by part."""
    assert run.design is not None and run.plans is not None
    it = iter(run.surfaces)
    parts = tuple(
        PreparedPart(plan, tuple(PreparedSurface(ref, prepared_surface(next(it))) for ref in plan.surfaces))
        for plan in run.plans
    )
    return PreparedParts(run.design, parts)


@dataclass(frozen=True)
class Output:
    """One print file on its way through ``OUTPUT_STEPS``: the layouts in it (one page each), then, once
    drawn, how to write it (``drawn``), then its pixel size (PNG) once written."""

    path: Path
    format: Format
    pages: tuple[Prepared, ...]
    dpi: float
    soft_proof: bool = False
    pdf_options: PdfOptions | None = None
    drawn: Callable[[Path], tuple[int, int] | None] | None = None
    pixels: tuple[int, int] | None = None
    ahead: PageImages | None = None  # a one-page PDF's image work, started before draw (start_pdf_images)


def draw(out: Output, engine: Engine) -> Output:
    """The layout drawn: a lazy libvips image (PNG), a PDF/X-4 document in memory (one page), or the pages
    ready to stream (several pages: drawing and writing overlap, :mod:`.backends.pdf_pages`)."""
    if out.format == "png":
        img = _draw_png(out.pages[0], engine, out.dpi, out.soft_proof)
        icc = engine.icc.srgb_profile_data()

        def png(path: Path) -> tuple[int, int]:
            write_png(img, path, icc)
            return img.width, img.height

        return replace(out, drawn=png)
    if len(out.pages) == 1:
        from .backends.pdf import draw_pdf, write_drawn_pdf

        doc = draw_pdf(out.pages[0], engine, out.pdf_options, out.ahead)
        return replace(out, drawn=lambda path: (write_drawn_pdf(doc, path), None)[1])
    from .backends.pdf_pages import write_pdf_pages

    def pages(path: Path) -> None:
        write_pdf_pages(out.pages, engine, path, timer=StepTimer(), options=out.pdf_options)

    return replace(out, drawn=pages)


def start_pdf_images(
    prep: Prepared, engine: Engine, fmt: Format | None, dpi: float | None, options: PdfOptions | None
) -> PageImages | None:
    """A one-page PDF's image work (placed pixels, CMYK, JPEG: :class:`~.backends.pdf_images.PageImages`)
    started on threads as soon as the layout is known, so that it runs while the caller's preflight and the
    PDF writer's imports (pikepdf) hold the interpreter: a fresh ``render-engine render`` overlaps them instead
    of doing one after the other (issue 22). ``draw`` takes the work (:class:`Output` ``ahead``); the caller
    closes it when the render fails before. None when there is nothing to start (not a PDF, no image layer)
    or when the output's settings are in error (raised again, as before, by the steps that check them)."""
    from .backends.pdf_images import PageImages
    from .backends.pdf_options import PdfOptions
    from .layout.plan import ImageItem

    layout = prep.layout
    if not any(isinstance(item, ImageItem) for item in layout.items):
        return None
    try:
        if (fmt or layout.template.output.default_format) != "pdf":  # pipeline.output_format
            return None
        t = layout.template
        check_dpi(t.dpi.target if dpi is None else dpi, engine)
        options = options or PdfOptions()
        conv = engine.icc.converter(engine.icc.cmyk_profile(t.output.icc_profile).id, options.colors)
    except RenderError:
        return None
    return PageImages(layout.items, conv, t.dpi.target, options.downsample_above, options.jpeg_quality,
                      options.lut_max_pixels)  # fmt: skip


def write(out: Output, engine: Engine) -> Output:
    """The drawn output written atomically to its path (temp file + fsync + rename)."""
    assert out.drawn is not None
    return replace(out, pixels=out.drawn(out.path), drawn=None)


OUTPUT_STEPS: tuple[Callable[[Output, Engine], Output], ...] = (draw, write)
PRINT_STEPS = (*PREPARE_STEPS, *OUTPUT_STEPS)


def run_output(out: Output, engine: Engine, timer: StepTimer) -> Output:
    """``OUTPUT_STEPS`` on one print file, each timed under its name, inside the file's SVG time budget;
    an image that cannot decode is named as the asset error it is (:func:`decode_failures`)."""
    with svg_total_budget(engine.settings.max_svg_render_seconds_total), decode_failures(out.pages[0]):
        for step in OUTPUT_STEPS:
            with timer.step(step.__name__):
                out = step(out, engine)
    return out


def check_dpi(dpi: object, engine: Engine) -> float:
    """``dpi`` as a float, or a :class:`DesignError` naming ``dpi``: a real number (not a bool or a string)
    from 1 to ``max_dpi``. 0 is refused like any other out-of-range value, never taken as "the default"."""
    if isinstance(dpi, bool) or not isinstance(dpi, int | float) or not (1 <= dpi <= engine.settings.max_dpi):
        raise DesignError(f"dpi must be between 1 and {engine.settings.max_dpi}", field="dpi")
    return float(dpi)


@contextmanager
def decode_failures(prep: Prepared) -> Iterator[None]:
    """libvips decodes lazily: a damaged image (a PNG chunk CRC, corrupt entropy data) the header probe
    passed fails only while an output is written: a bare ``pyvips.Error``, or the writer's
    :class:`OutputError` ("encoder failed; disk full?", status 500, which the farm retries). Find the image
    layer that cannot decode (:func:`~render_engine.inputs.assets.verify_image`) and raise its typed
    :class:`AssetError`, so the caller answers 422 and a job fails at once instead of being retried for
    minutes; when every image decodes, the original error stands."""

    def verify(i: int) -> None:
        named = "asset_id" if getattr(prep.design.layers[i], "asset_id", None) else "asset"
        verify_image(prep.resources.images[i], f"layers[{i}].{named}")

    try:
        yield
    except AssetError as exc:  # an image layer's work on the pool names the layer; name its asset field
        layer_no = exc.field[7:-1] if exc.field and exc.field.startswith("layers[") and exc.field.endswith("]") else ""
        if layer_no.isdigit() and int(layer_no) in prep.resources.images:
            verify(int(layer_no))
        raise
    except (pyvips.Error, OutputError):
        for i in sorted(prep.resources.images):
            verify(i)
        raise


def _draw_png(prep: Prepared, engine: Engine, dpi: float, soft_proof: bool) -> pyvips.Image:
    from .backends.raster import draw_raster  # the PDF path never loads the raster backend

    t = prep.layout.template
    img = draw_raster(
        prep.layout,
        dpi,
        engine.icc,
        transparent=t.output.color == "rgba",
        max_pixels=engine.settings.max_output_pixels,
        soft_proof=soft_proof,
    )
    return img.fliphor() if t.output.mirror else img
