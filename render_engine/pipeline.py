"""The render pipeline: a short list of named steps with explicit data between them.

    parse -> resolve -> layout -> draw -> write

``PRINT_STEPS`` names them in order; :class:`StepTimer` records how long each took so the benchmark CLI
can point a regression at its step. libvips is lazy: ``draw`` only builds the image graph, and decoding,
resizing, compositing and encoding all happen inside ``write``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pyvips

from .backends.writers import write_png
from .engine import Engine
from .inputs.assets import AssetLoader, verify_image
from .inputs.safety import svg_total_budget
from .layout.plan import plan_layout
from .layout.prepared import Prepared
from .layout.resolve import resolve
from .model.design import Design, load_design_file
from .model.errors import DesignError, OutputError, RenderError, several
from .model.outputs import Format, RenderResult, StepTimer
from .model.spreads import refuse_spreads
from .model.templates import Template

if TYPE_CHECKING:
    from .backends.pdf import PdfOptions

PRINT_STEPS = ("parse", "resolve", "layout", "draw", "write")


def prepare(
    design: Design,
    engine: Engine,
    base_dir: Path,
    timer: StepTimer | None = None,
    asset_loader: AssetLoader | None = None,
    template: Template | None = None,
) -> Prepared:
    """resolve + layout: everything before pixels. Raises typed errors naming the field. ``template``
    replaces the design's (one surface of a multi-surface product: :mod:`render_engine.parts`)."""
    timer = timer or StepTimer()
    try:
        if spread := refuse_spreads(design.layers, "layers"):  # surface_plan expands a book's spreads
            raise several(spread)
        with timer.step("resolve"):
            res = resolve(design, engine, base_dir, asset_loader, template)
        with timer.step("layout"):
            layout = plan_layout(design, res, engine.fonts)
    except RenderError as err:  # a field of a layer a calendar made names the calendar layer
        err.field = design.source_field(err.field)
        for p in err.problems:
            p.field = design.source_field(p.field)
        raise
    return Prepared(design, res, layout)


def output_format(prep: Prepared, requested: Format | None) -> Format:
    return requested or prep.layout.template.output.default_format


def check_dpi(dpi: object, engine: Engine) -> float:
    """``dpi`` as a float, or a :class:`DesignError` naming ``dpi``: a real number (not a bool or a string)
    from 1 to ``max_dpi``. 0 is refused like any other out-of-range value, never taken as "the default"."""
    if isinstance(dpi, bool) or not isinstance(dpi, int | float) or not (1 <= dpi <= engine.settings.max_dpi):
        raise DesignError(f"dpi must be between 1 and {engine.settings.max_dpi}", field="dpi")
    return float(dpi)


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
    if on_prepared is not None:
        on_prepared(prep)
    return render_prepared(
        prep, engine, out, fmt=fmt, dpi=dpi, name=name, timer=timer, soft_proof=soft_proof, pdf_options=pdf_options
    )


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
) -> RenderResult:
    """draw + write of a layout :func:`prepare` computed: several outputs of one design (a job's PDF, PNG and
    proof) share one resolve and one layout."""
    timer = timer or StepTimer()
    t = prep.layout.template
    fmt = output_format(prep, fmt)
    dpi = check_dpi(t.dpi.target if dpi is None else dpi, engine)
    pixels: tuple[int, int] | None = None
    with svg_total_budget(engine.settings.max_svg_render_seconds_total), decode_failures(prep):
        if fmt == "png":
            img = _draw_png(prep, engine, dpi, soft_proof, timer)
            with timer.step("write"):
                write_png(img, out, engine.icc.srgb_profile_data())
            pixels = (img.width, img.height)
        else:
            from .backends.pdf import write_pdf

            write_pdf(prep, engine, out, timer=timer, options=pdf_options)
    return RenderResult(
        design=name,
        template=t.id,
        format=fmt,
        path=out,
        bytes=out.stat().st_size,
        dpi=dpi,
        pixels=pixels,
        timings=dict(timer.seconds),
    )


@contextmanager
def decode_failures(prep: Prepared) -> Iterator[None]:
    """libvips decodes lazily: a damaged image (a PNG chunk CRC, corrupt entropy data) the header probe
    passed fails only while an output is written: a bare ``pyvips.Error``, or the writer's
    :class:`OutputError` ("encoder failed; disk full?", status 500, which the farm retries). Find the image
    layer that cannot decode (:func:`~render_engine.inputs.assets.verify_image`) and raise its typed
    :class:`AssetError`, so the caller answers 422 and a job fails at once instead of being retried for
    minutes; when every image decodes, the original error stands."""
    try:
        yield
    except (pyvips.Error, OutputError):
        for i, info in sorted(prep.resources.images.items()):
            layer = prep.design.layers[i]
            verify_image(info, f"layers[{i}].{'asset_id' if getattr(layer, 'asset_id', None) else 'asset'}")
        raise


def _draw_png(prep: Prepared, engine: Engine, dpi: float, soft_proof: bool, timer: StepTimer) -> pyvips.Image:
    from .backends.raster import draw_raster  # the PDF path never loads the raster backend

    t = prep.layout.template
    with timer.step("draw"):
        img = draw_raster(
            prep.layout,
            dpi,
            engine.icc,
            transparent=t.output.color == "rgba",
            max_pixels=engine.settings.max_output_pixels,
            soft_proof=soft_proof,
        )
        return img.fliphor() if t.output.mirror else img


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
    timer = StepTimer()
    with timer.step("parse"):
        design = load_design_file(path)
    stem = path.name.removesuffix(".json")
    prep_fmt = fmt or engine.templates.get(design.template).output.default_format
    out = out_dir / f"{stem}.{prep_fmt}"
    return render_design(
        design,
        engine,
        out,
        base_dir=path.parent,
        fmt=prep_fmt,
        dpi=dpi,
        name=path.name,
        timer=timer,
        soft_proof=soft_proof,
        pdf_options=pdf_options,
        on_prepared=on_prepared,
    )
