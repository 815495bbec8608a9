"""The public Python API: one call per thing a caller wants, over a warm process-wide :class:`Engine`.

    from render_engine import render_design, render_mockup, preflight, load_design

    pdf = render_design("examples/mug-11oz-photo-name.json", "out/mug.pdf")   # -> Rendered (data, path, ...)
    png = render_design(design_dict, format="png", dpi=150).data              # bytes, no file left behind
    jpeg = render_mockup(design, width=800)                                   # bytes
    report = preflight(design)                                                # PreflightReport

A *design source* is a :class:`Design`, a decoded JSON object (dict), a JSON string, or a path to a JSON
file. Fabric.js canvas JSON is recognised the way ``render-engine render --dialect auto`` recognises it and
imported through :mod:`render_engine.fabric` (``template`` / ``canvas_size`` supply what ``toJSON()`` does
not record). Asset paths in a design are relative to ``base_dir``: by default the design file's folder, or
the current directory for a dict / JSON string. docs/python-api.md documents the contract; benchmarks and
outside harnesses call only these functions.

Every function takes ``engine=``; without one they share a process-wide default :class:`Engine` built on
first use from :class:`~render_engine.model.settings.Settings` (environment ``RENDER_ENGINE_*``), so repeated calls
are warm (template, font and ICC catalogs, mockup scenes loaded once).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from .model.design import Design, parse_design
from .model.errors import DesignError
from .model.json_input import load_json, read_input_file

if TYPE_CHECKING:
    from .checks.preflight import PreflightReport
    from .engine import Engine
    from .fabric import FabricImport
    from .layout.prepared import Prepared
    from .model.outputs import StepTimer

DesignSource: TypeAlias = "Design | Mapping[str, Any] | str | os.PathLike[str]"
PrintFormat = Literal["png", "pdf"]
MockupFormat = Literal["jpeg", "webp", "png"]

__all__ = [
    "DesignSource",
    "Rendered",
    "default_engine",
    "load_design",
    "preflight",
    "render_design",
    "render_mockup",
]


@dataclass(frozen=True)
class Rendered:
    """One print file: its bytes (:attr:`data`), and where it was written when ``out`` was given."""

    format: PrintFormat
    _data: bytes | None  # None: the bytes stay in ``path`` until asked for (a book's interior part)
    path: Path | None  # the written file (``out``), None when only bytes were asked for
    pixels: tuple[int, int] | None  # PNG width x height in px; None for PDF
    dpi: float
    timings: dict[str, float] = field(default_factory=dict)  # seconds per pipeline step
    template: str = ""
    # Fabric input: 'objects[2].fill (Rect, id "x"): reason; drawn …' per approximation (a font substituted too)
    warnings: tuple[str, ...] = ()
    # multi-surface products (docs/products.md): the part this file is ("card", "front"), its pages, and for
    # the whole design every part's file; the top-level fields then repeat the first part's
    part: str | None = None
    pages: int = 1
    parts: tuple[Rendered, ...] = ()
    surfaces: tuple[str, ...] = ()  # the surfaces (pages) in this file, in order
    # the file's bytes; a part written to ``out`` is read from it on each use, not held (a book interior)
    data = property(lambda self: self._data if self._data is not None else self.path.read_bytes() if self.path else b"")


# ------------------------------------------------------------------------------------------ engine

_default: Engine | None = None
_default_lock = threading.Lock()


def default_engine() -> Engine:
    """The process-wide :class:`Engine` the functions use when none is passed (built on first use)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                from .engine import Engine

                _default = Engine()
    return _default


# ------------------------------------------------------------------------------------------ loading

# Images embedded in a Fabric canvas (data URLs) are written to a private folder the returned Design's asset
# paths are relative to; it lives as long as the Design object (weakref.finalize removes it).
_fabric_dirs: dict[int, tuple[weakref.ref[Design], Path]] = {}
_fabric_lock = threading.Lock()


def _engine(engine: object) -> Engine:
    """``engine`` or the default one; anything else is a :class:`DesignError` naming ``engine``."""
    from .engine import Engine

    if engine is None:
        return default_engine()
    if not isinstance(engine, Engine):
        raise DesignError(f"engine is a render_engine.Engine, not {type(engine).__name__}", field="engine")
    return engine


def _forget_fabric_dir(key: int, folder: Path) -> None:
    with _fabric_lock:
        _fabric_dirs.pop(key, None)
    shutil.rmtree(folder, ignore_errors=True)


def fabric_assets_dir(design: Design) -> Path | None:
    """The private folder holding the embedded images of a Fabric design from :func:`load_design`, if any:
    its image assets are relative to it."""
    with _fabric_lock:
        entry = _fabric_dirs.get(id(design))
    if entry is not None and entry[0]() is design:
        return entry[1]
    return None


@dataclass(frozen=True)
class _Loaded:
    design: Design
    base_dir: Path
    scratch: Path | None  # a temporary folder to remove after the call (Fabric images), or None
    fabric: FabricImport | None = None  # Fabric input: the import (approximations, notes, each layer's object)


def _decode(source: Any) -> tuple[Any, Path | None]:
    """(decoded JSON, the file's folder or None) for a dict / JSON string / path source."""
    if isinstance(source, Mapping):
        return dict(source), None
    if isinstance(source, bytes):
        text: str | bytes = source
        folder = None
    elif isinstance(source, str) and source.lstrip().startswith(("{", "[")):
        text, folder = source, None
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        text = read_input_file(path)
        folder = path.parent
    else:
        raise DesignError(
            f"a design is a Design, a dict, a JSON string or a path, not {type(source).__name__}", field="design"
        )
    return load_json(text), folder  # strict JSON: a DesignError naming the reason and position


def _import_fabric(data: Any, engine: Engine, template: str | None, canvas_size: tuple[float, float] | None,
                   folder: Path, image_dir: Path, unsupported: str, multiplier: float = 1.0,
                   ) -> FabricImport:  # fmt: skip
    from .fabric import FabricOptions, load_fabric_json
    from .fabric.options import DEFAULT_FONT_FALLBACK

    if unsupported not in ("refuse", "approximate"):
        raise DesignError("unsupported is 'refuse' or 'approximate'", field="unsupported")
    opts = FabricOptions(canvas_size=canvas_size, image_dir=image_dir, unsupported=unsupported,  # type: ignore[arg-type]
                         font_fallback=DEFAULT_FONT_FALLBACK, multiplier=multiplier)  # fmt: skip
    return load_fabric_json(data, engine, folder, template, opts)


def _load(
    source: Any,
    *,
    base_dir: str | os.PathLike[str] | None,
    template: str | None,
    canvas_size: tuple[float, float] | None,
    engine: Engine,
    keep_fabric_assets: bool,
    unsupported: str = "refuse",
    multiplier: float = 1.0,
) -> _Loaded:
    if base_dir is not None and not isinstance(base_dir, str | os.PathLike):
        raise DesignError(f"base_dir is a folder path, not {type(base_dir).__name__}", field="base_dir")
    if template is not None and not isinstance(template, str):
        raise DesignError(f"template is a template id, not {type(template).__name__}", field="template")
    if isinstance(source, Design):
        _check_template(source, template)
        folder = fabric_assets_dir(source)
        return _Loaded(source, Path(base_dir) if base_dir is not None else folder or Path.cwd(), None)
    from .fabric import is_fabric

    data, file_dir = _decode(source)
    base = Path(base_dir) if base_dir is not None else file_dir or Path.cwd()
    if not is_fabric(data):
        design = parse_design(data)
        _check_template(design, template)
        return _Loaded(design, base, None)
    scratch = Path(tempfile.mkdtemp(prefix="render-engine-fabric-"))
    try:
        imported = _import_fabric(data, engine, template, canvas_size, scratch, base, unsupported, multiplier)
        design = imported.design
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    if not any(scratch.iterdir()):  # no embedded images: nothing to keep
        shutil.rmtree(scratch, ignore_errors=True)
        return _Loaded(design, base, None, imported)
    if not keep_fabric_assets:
        return _Loaded(design, scratch, scratch, imported)
    key = id(design)
    with _fabric_lock:
        _fabric_dirs[key] = (weakref.ref(design), scratch)
    weakref.finalize(design, _forget_fabric_dir, key, scratch)
    return _Loaded(design, scratch, None, imported)


def _check_template(design: Design, template: str | None) -> None:
    if template is not None and template != design.template:
        raise DesignError(f"the design is for template {design.template!r}, not {template!r}", field="template")


def load_design(
    source: DesignSource,
    *,
    base_dir: str | os.PathLike[str] | None = None,
    template: str | None = None,
    canvas_size: tuple[float, float] | None = None,
    engine: Engine | None = None,
    unsupported: Literal["refuse", "approximate"] = "refuse",
) -> Design:
    """Parse and validate a design (native or Fabric.js JSON) without rendering it.

    ``template`` names the product for Fabric input (or the wrapper's ``template`` field does); for a
    native design it must match the design's own. ``canvas_size`` is the Fabric editor canvas in px (or the
    wrapper's ``canvas``). Raises :class:`~render_engine.model.errors.DesignError` naming the field. A Fabric
    canvas's embedded images are kept in a private folder for as long as the returned Design lives, so it
    can be rendered later by the other functions. Without a template a Fabric canvas is a page of its own
    pixel size (``canvas-<w>x<h>``, docs/fabric.md). ``unsupported="approximate"`` draws Fabric properties
    the engine cannot draw yet as closely as it can instead of refusing them (see :func:`render_design`).
    """
    eng = _engine(engine)
    return _load(
        source,
        base_dir=base_dir,
        template=template,
        canvas_size=canvas_size,
        engine=eng,
        keep_fabric_assets=True,
        unsupported=unsupported,
    ).design


def _prepare(loaded: _Loaded, engine: Engine, timer: StepTimer | None = None) -> Prepared:
    from .pipeline import prepare

    return prepare(loaded.design, engine, loaded.base_dir, timer)


def _prepare_surface(loaded: _Loaded, engine: Engine, surface: str | None, page: int | None) -> Prepared:
    """The prepared design, or for a multi-surface one the surface / page asked for (default: the first given)."""
    from .parts import is_multi, prepare_parts

    if not is_multi(loaded.design, engine):
        if surface is not None or page is not None:
            raise DesignError("this product has one surface", field="surface" if surface is not None else "page")
        return _prepare(loaded, engine)
    return prepare_parts(loaded.design, engine, loaded.base_dir).select(surface, page).prep


# ------------------------------------------------------------------------------------------ outputs


def render_design(
    design: DesignSource,
    out: str | os.PathLike[str] | None = None,
    *,
    format: PrintFormat | None = None,
    dpi: float | None = None,
    engine: Engine | None = None,
    base_dir: str | os.PathLike[str] | None = None,
    template: str | None = None,
    canvas_size: tuple[float, float] | None = None,
    soft_proof: bool = False,
    marks: bool = False,
    scale: float | None = None,
    unsupported: Literal["refuse", "approximate"] = "refuse",
) -> Rendered:
    """Render a design to a print file: PDF/X-4 or PNG, as the CLI's ``render-engine render`` does.

    ``format`` defaults to ``out``'s suffix (``.pdf`` / ``.png``), else the template's; ``dpi`` to the
    template's target. With ``out`` the file is written atomically (temp file + fsync + rename) and
    :attr:`Rendered.path` is set; without it only :attr:`Rendered.data` is returned and no file is left.
    ``soft_proof`` (PNG) shows a CMYK product's colours through its output profile; ``marks`` (PDF) adds crop
    marks and a job label in a slug.

    Fabric input without a template (argument or wrapper field) renders the canvas as it is: a PNG of exactly
    the canvas's width x height px (transparent where it has no background), or a PDF at 0.75 pt per px.
    ``scale`` multiplies the template's target DPI (a canvas's is 96 px/in: ``scale=2`` is Fabric's
    ``multiplier: 2``); give ``scale`` or ``dpi``, not both. A Fabric property the engine cannot draw yet is a
    :class:`~render_engine.model.errors.DesignError` listing every one (``.problems``); ``unsupported="approximate"``
    (previews) draws the closest supported thing instead and lists each in :attr:`Rendered.warnings`.
    """
    from .backends.pdf import PdfOptions
    from .fabric.options import raster_multiplier
    from .model.outputs import StepTimer
    from .pipeline import check_dpi, render_prepared

    eng = _engine(engine)
    if dpi is not None:  # arguments before any work
        check_dpi(dpi, eng)
    timer = StepTimer()
    with timer.step("parse"):
        loaded = _load(
            design,
            base_dir=base_dir,
            template=template,
            canvas_size=canvas_size,
            engine=eng,
            keep_fabric_assets=False,
            unsupported=unsupported,
            multiplier=raster_multiplier(scale, format, out),
        )
    try:
        from .parts import is_multi

        if is_multi(loaded.design, eng):
            return _render_parts(loaded, eng, out, format, dpi, scale, soft_proof, marks, timer)
        prep = _prepare(loaded, eng, timer)
        fmt = _format(format, out, prep)
        if scale is not None:
            if isinstance(scale, bool) or not isinstance(scale, int | float) or not scale > 0:
                raise DesignError("scale must be a positive number", field="scale")
            if dpi is not None:
                raise DesignError("give either scale or dpi", field="scale")
            dpi = prep.layout.template.dpi.target * float(scale)
        opts = PdfOptions(marks=marks)
        if out is not None:
            path = Path(out)
            res = render_prepared(
                prep, eng, path, fmt=fmt, dpi=dpi, timer=timer, soft_proof=soft_proof, pdf_options=opts
            )
            data = path.read_bytes()
        else:
            with tempfile.TemporaryDirectory(prefix="render-engine-") as tmp:
                tmp_out = Path(tmp) / f"design.{fmt}"
                res = render_prepared(
                    prep, eng, tmp_out, fmt=fmt, dpi=dpi, timer=timer, soft_proof=soft_proof, pdf_options=opts
                )
                data = tmp_out.read_bytes()
            path = None
    finally:
        if loaded.scratch is not None:
            shutil.rmtree(loaded.scratch, ignore_errors=True)
    warnings = loaded.fabric.warning_lines() if loaded.fabric is not None else ()  # 'objects[2].fill (Rect): …'
    return Rendered(res.format, data, path, res.pixels, res.dpi, dict(res.timings), res.template, warnings)


def _render_parts(
    loaded: _Loaded,
    eng: Engine,
    out: str | os.PathLike[str] | None,
    fmt: str | None,
    dpi: float | None,
    scale: float | None,
    soft_proof: bool,
    marks: bool,
    timer: StepTimer,
) -> Rendered:
    """render_design of a multi-surface design: every part into the folder ``out`` (or a temporary one)."""
    from .backends.pdf import PdfOptions
    from .parts import prepare_parts, render_parts

    if fmt is not None and fmt not in ("png", "pdf"):
        raise DesignError("format is 'png' or 'pdf'", field="format")
    if out is not None and Path(out).suffix.lower() in (".pdf", ".png"):
        raise DesignError("this product prints several files (parts): out is a folder", field="out")
    if scale is not None:
        raise DesignError("scale is for single-surface designs; give dpi", field="scale")
    prepared = prepare_parts(loaded.design, eng, loaded.base_dir, timer)
    opts = PdfOptions(marks=marks)

    def run(folder: Path, keep: bool) -> tuple[Rendered, ...]:
        results = render_parts(prepared, eng, folder, fmt=fmt, dpi=dpi, timer=timer,  # type: ignore[arg-type]
                               soft_proof=soft_proof, pdf_options=opts)  # fmt: skip
        return tuple(
            Rendered(r.format, None if keep else r.path.read_bytes(), r.path if keep else None, r.pixels, r.dpi,
                     dict(r.timings), r.template, part=r.part, pages=r.pages, surfaces=r.surfaces)
            for r in results
        )  # fmt: skip

    if out is not None:
        parts = run(Path(out), True)
    else:
        with tempfile.TemporaryDirectory(prefix="render-engine-") as tmp:
            parts = run(Path(tmp), False)
    warnings = loaded.fabric.warning_lines() if loaded.fabric is not None else ()
    first = parts[0]
    return replace(first, parts=parts, pages=sum(p.pages for p in parts), warnings=warnings,
                   timings=dict(timer.seconds))  # fmt: skip


def _format(requested: str | None, out: str | os.PathLike[str] | None, prep: Prepared) -> PrintFormat:
    fmt = requested
    if fmt is None and out is not None:
        suffix = Path(out).suffix.lower().lstrip(".")
        fmt = suffix if suffix in ("png", "pdf") else None
    if fmt is None:
        return prep.layout.template.output.default_format
    if fmt not in ("png", "pdf"):
        raise DesignError("format is 'png' or 'pdf'", field="format")
    return fmt  # type: ignore[return-value]


def render_mockup(
    design: DesignSource,
    out: str | os.PathLike[str] | None = None,
    *,
    view: str | None = None,
    variant: str | None = None,
    width: int = 800,
    format: MockupFormat = "jpeg",
    engine: Engine | None = None,
    base_dir: str | os.PathLike[str] | None = None,
    surface: str | None = None,
    page: int | None = None,
) -> bytes:
    """The design on its product's photo-real mockup scene, encoded as JPEG (default), WebP or PNG.

    ``view`` / ``variant`` default to the scene's (``render-engine mockup`` lists them); ``width`` is in px
    (50-2000). With ``out`` the image is also written there atomically. For a multi-surface product
    ``surface`` (a name: ``back``) or ``page`` (a number from 1) picks the surface shown on its own scene;
    by default the first surface the design gives; ``view="open"``: a book open at the spread of ``page``.
    """
    from .backends.writers import write_atomic
    from .mockup import render_mockup as mockup
    from .mockup.spread import spread_mockup as spread

    if format not in ("jpeg", "webp", "png"):
        raise DesignError("mockup format is 'jpeg', 'webp' or 'png'", field="format")
    from .mockup.render import check_width

    eng = _engine(engine)
    check_width(width)  # arguments before any work
    loaded = _load(design, base_dir=base_dir, template=None, canvas_size=None, engine=eng, keep_fabric_assets=False)
    try:
        if view == "open":  # a book open at the spread of `page` (mockup/spread.py)
            data = spread(loaded.design, eng, loaded.base_dir, page=page, surface=surface, width=width, fmt=format)
        else:
            prep = _prepare_surface(loaded, eng, surface, page)
            data = mockup(prep, eng, view=view, variant=variant, width=width, fmt=format)
    finally:
        if loaded.scratch is not None:
            shutil.rmtree(loaded.scratch, ignore_errors=True)
    if out is not None:

        def produce(tmp: Path) -> None:
            tmp.write_bytes(data)

        write_atomic(Path(out), produce)
    return data


def preflight(
    design: DesignSource,
    *,
    engine: Engine | None = None,
    base_dir: str | os.PathLike[str] | None = None,
    unsupported: Literal["refuse", "approximate"] = "refuse",
) -> PreflightReport:
    """Check a design for print problems (resolution, safe zone, bleed, text, colour...): a report, not an
    exception — only an invalid design or a hard safety limit raises. See docs/preflight.md for the codes.
    Fabric input: ``unsupported="approximate"`` checks what :func:`render_design` with it draws, plus a
    ``fabric.approximated`` warning per property drawn approximately; by default such a property is an error."""
    from .checks.preflight import preflight as run_checks
    from .checks.report import with_approximations, with_fabric_objects

    eng = _engine(engine)
    opts = {"template": None, "canvas_size": None, "keep_fabric_assets": False, "unsupported": unsupported}
    loaded = _load(design, base_dir=base_dir, engine=eng, **opts)  # type: ignore[arg-type]
    try:
        from .parts import is_multi, prepare_parts

        if is_multi(loaded.design, eng):  # every surface checked; findings carry surface, part and page
            from .checks.surfaces import preflight_parts

            report = preflight_parts(prepare_parts(loaded.design, eng, loaded.base_dir), eng)
        else:
            report = run_checks(_prepare(loaded, eng), eng)
        if (f := loaded.fabric) is None:
            return report  # a Fabric canvas: each finding names its object, each approximation too
        return with_approximations(with_fabric_objects(report, f.object_of_layer), f.approximations, f.objects)
    finally:
        if loaded.scratch is not None:
            shutil.rmtree(loaded.scratch, ignore_errors=True)
