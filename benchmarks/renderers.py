"""What a worker process calls to render one :class:`~benchmarks.jobs.Job`: the engine, the Pillow +
ReportLab baseline, or the mockup hook. Each returns ``(output bytes, {step: seconds})``.

A renderer is built once per process (catalogs, fonts, ICC transforms loaded once: a warm process) and
imports its implementation lazily, so a baseline worker never loads the engine and vice versa.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .jobs import Job, RendererKind

Render = Callable[[Job], tuple[int, dict[str, float]]]

MOCKUP_MODULE = "render_engine.mockup"
MOCKUP_FUNCTION = "render_mockup"


def make_renderer(kind: RendererKind) -> Render:
    if kind == "engine":
        return _engine()
    if kind == "baseline":
        return _baseline()
    if kind == "api":
        return _public_api()
    if kind == "peer":
        return _peer()
    return _mockup()


def _public_api() -> Render:
    """The engine through its public Python API only (docs/python-api.md), as an outside harness calls it:
    ``render_design`` for print files, ``render_mockup`` for previews (a job with a ``width``)."""
    from render_engine import Engine, Settings, render_design, render_mockup

    engine = Engine(Settings())

    def render(job: Job) -> tuple[int, dict[str, float]]:
        stem = job.design.name.removesuffix(".json")
        if job.width is not None:
            out = job.out_dir / f"{stem}.jpg"
            return len(render_mockup(job.design, out, width=job.width, engine=engine)), {}
        if job.parts:  # cover.pdf + interior.pdf into a folder
            rendered = render_design(job.design, job.out_dir / stem, engine=engine)
            sizes = (p.path.stat().st_size for p in rendered.parts if p.path is not None)  # not .data: no re-read
            return sum(sizes), dict(rendered.timings)
        fmt = job.fmt or "pdf"
        rendered = render_design(job.design, job.out_dir / f"{stem}.{fmt}", format=fmt, dpi=job.dpi, engine=engine)
        return len(rendered.data), dict(rendered.timings)

    return render


def _peer() -> Render:
    """The hand-written pyvips + img2pdf pipeline (benchmarks/baselines/pyvips_img2pdf.py)."""
    from .baselines.pyvips_img2pdf import Peer

    peer = Peer()

    def render(job: Job) -> tuple[int, dict[str, float]]:
        stem = job.design.name.removesuffix(".json")
        if job.width is not None:
            return peer.render(job.design, job.out_dir / f"{stem}.jpg", fmt="jpeg", width=job.width)
        fmt = job.fmt or "pdf"
        return peer.render(job.design, job.out_dir / f"{stem}.{fmt}", fmt=fmt, dpi=job.dpi)

    return render


def _engine() -> Render:
    from render_engine.engine import Engine
    from render_engine.model.settings import Settings
    from render_engine.pipeline import render_file

    engine = Engine(Settings())

    def render(job: Job) -> tuple[int, dict[str, float]]:
        result = render_file(job.design, engine, job.out_dir, fmt=job.fmt, dpi=job.dpi)
        return result.bytes, result.timings

    return render


def _baseline() -> Render:
    from .baselines.pillow_reportlab import Baseline

    baseline = Baseline()

    def render(job: Job) -> tuple[int, dict[str, float]]:
        fmt = job.fmt or "pdf"
        out = job.out_dir / f"{job.design.name.removesuffix('.json')}.{fmt}"
        return baseline.render(job.design, out, fmt=fmt, dpi=job.dpi)

    return render


def mockup_missing() -> str | None:
    """Why W3 cannot run yet (``None`` once issue 6's module exposes the function the hook calls)."""
    try:
        module = importlib.import_module(MOCKUP_MODULE)
    except ModuleNotFoundError:
        return f"not available yet: {MOCKUP_MODULE} (issue 6) does not exist"
    if not callable(getattr(module, MOCKUP_FUNCTION, None)):
        return f"not available yet: {MOCKUP_MODULE} has no {MOCKUP_FUNCTION}() (issue 6)"
    return None


def mockup_available() -> bool:
    return mockup_missing() is None


def _mockup() -> Render:
    """W3: ``render_mockup(prepared, engine, *, width, timer, ...) -> bytes`` (issue 6), after the print
    path's parse -> resolve -> layout; the JPEG is written to ``out`` (timed as the ``write`` step)."""
    from render_engine.checks.preflight import preflight
    from render_engine.engine import Engine
    from render_engine.model.design import load_design_file
    from render_engine.model.settings import Settings
    from render_engine.pipeline import StepTimer, prepare

    render_mockup: Any = getattr(importlib.import_module(MOCKUP_MODULE), MOCKUP_FUNCTION)
    engine = Engine(Settings())

    def render(job: Job) -> tuple[int, dict[str, float]]:
        timer = StepTimer()
        with timer.step("parse"):
            design = load_design_file(job.design)
        prepared = prepare(design, engine, job.design.parent, timer)
        data: bytes = render_mockup(prepared, engine, width=job.width or 800, timer=timer)
        with timer.step("preflight"):  # a storefront preview answers with the preflight verdict too
            preflight(prepared, engine)
        with timer.step("write"):
            out = Path(job.out_dir) / f"{job.design.name.removesuffix('.json')}.jpg"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
        return len(data), dict(timer.seconds)

    return render
