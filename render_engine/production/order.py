"""What a print order produces: every artifact of one design into a folder, each pipeline's steps timed.

* print files: a one-surface design's ``print.<fmt>`` per format asked for (the template's default format
  when none is); a multi-surface design's file per part (``card.pdf`` with a page per surface,
  ``front.png``, ``back.png``; with formats, every part in each format, a PNG per page of a multi-page part);
* ``preflight.json``: the report the order was checked against (every surface; findings carry surface, part
  and page);
* ``proof.png``: the numbered proof (a multi-surface design: the contact sheet, plus ``proof-<surface>.png``
  per surface) unless ``proof`` is off;
* ``mockup.jpg`` (800 px, the first surface the design gives) on request.

The design is resolved and laid out once (``job_prepare``) and drawn by every artifact (``job_<fmt>``,
``job_parts``; ``job_review``: preflight, proof, mockup).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engine import Engine
from ..inputs.assets import AssetLoader
from ..layout.prepared import Prepared, PreparedParts
from ..model.design import Design
from ..model.outputs import Format, StepTimer
from ..parts import is_multi, prepare_parts, render_parts
from ..pipeline import prepare, render_prepared

MOCKUP_WIDTH = 800  # an order's mockup.jpg, in pixels

Steps = dict[str, dict[str, float]]


@dataclass(frozen=True)
class OrderSpec:
    """What an order asks for (a job's ``outputs``): print ``formats`` (empty: the template's default, or each
    part's own), PNG ``dpi`` (None: the template's), the numbered ``proof``, the ``mockup``."""

    formats: tuple[Format, ...] = ()
    dpi: float | None = None
    proof: bool = True
    mockup: bool = False

    @classmethod
    def of(cls, outputs: Mapping[str, Any] | None) -> OrderSpec:
        """From a job request's ``outputs`` (as stored: missing keys take their defaults)."""
        o = outputs or {}
        formats = tuple(o.get("formats") or ())
        return cls(formats, o.get("dpi"), bool(o.get("proof", True)), bool(o.get("mockup", False)))


def print_name(fmt: str) -> str:
    """A one-surface design's print file for ``fmt``."""
    return f"print.{fmt}"


def produce_order(
    design: Design,
    engine: Engine,
    folder: Path,
    spec: OrderSpec,
    *,
    base_dir: Path,
    asset_loader: AssetLoader | None = None,
    name: str = "design",
    steps: Steps | None = None,
) -> dict[str, Path]:
    """Every artifact of the order into ``folder`` (file name -> path). ``name``: the print files' document
    name (a job's id); ``steps`` collects the step timings per pipeline (``job_prepare``, ``job_pdf``, …)."""
    steps = {} if steps is None else steps
    if is_multi(design, engine):
        return _produce_parts(design, engine, folder, spec, base_dir, asset_loader, name, steps)
    prepared = StepTimer()
    prep = prepare(design, engine, base_dir, timer=prepared, asset_loader=asset_loader)
    steps["job_prepare"] = prepared.seconds  # resolve + layout once, drawn by every artifact below
    formats: list[Format] = list(spec.formats) or [prep.layout.template.output.default_format]
    files: dict[str, Path] = {}
    for fmt in formats:
        out = folder / print_name(fmt)
        timer = StepTimer()
        render_prepared(prep, engine, out, fmt=fmt, dpi=spec.dpi, name=name, timer=timer)
        steps[f"job_{fmt}"] = timer.seconds
        files[out.name] = out
    review = StepTimer()
    files.update(_review_artifacts(prep, engine, spec, folder, review))
    steps["job_review"] = review.seconds
    return files


def _produce_parts(
    design: Design,
    engine: Engine,
    folder: Path,
    spec: OrderSpec,
    base_dir: Path,
    asset_loader: AssetLoader | None,
    name: str,
    steps: Steps,
) -> dict[str, Path]:
    """A multi-surface design's artifacts (issue #18): print files per part, ``preflight.json`` over every
    surface, the contact sheet and a proof per surface, the first surface's mockup."""
    from ..checks.surfaces import merge_reports, surface_reports, write_proofs

    timer = StepTimer()
    prepared: PreparedParts = prepare_parts(design, engine, base_dir, timer, asset_loader)
    steps["job_prepare"] = timer.seconds
    files: dict[str, Path] = {}
    for fmt in spec.formats or (None,):
        timer = StepTimer()
        for r in render_parts(prepared, engine, folder / "parts", fmt=fmt, dpi=spec.dpi, name=name, timer=timer):
            files[r.path.name] = r.path
        steps[f"job_{fmt or 'parts'}"] = timer.seconds
    review = StepTimer()
    with review.step("preflight"):
        reports = surface_reports(prepared, engine)
        report = merge_reports(design.template, reports)
    files["preflight.json"] = _write_report(report.to_dict(), folder)
    if spec.proof:
        with review.step("proof"):
            files.update((p.name, p) for p in write_proofs(reports, engine, folder / "proofs"))
    if spec.mockup:
        files["mockup.jpg"] = _write_mockup(prepared.select().prep, engine, folder, review)
    steps["job_review"] = review.seconds
    return files


def _review_artifacts(
    prep: Prepared, engine: Engine, spec: OrderSpec, folder: Path, timer: StepTimer
) -> dict[str, Path]:
    """What the order was checked against, stored with the print files: ``preflight.json`` always,
    ``proof.png`` (the numbered proof image) unless ``proof`` is off, ``mockup.jpg`` on request."""
    from ..checks.preflight import preflight
    from ..checks.proof import write_proof

    with timer.step("preflight"):
        report = preflight(prep, engine)
    files = {"preflight.json": _write_report(report.to_dict(), folder)}
    if spec.proof:
        with timer.step("proof"):
            write_proof(report, prep, engine, folder / "proof.png")
        files["proof.png"] = folder / "proof.png"
    if spec.mockup:
        files["mockup.jpg"] = _write_mockup(prep, engine, folder, timer)
    return files


def _write_report(report: dict[str, Any], folder: Path) -> Path:
    path = folder / "preflight.json"
    path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def _write_mockup(prep: Prepared, engine: Engine, folder: Path, timer: StepTimer) -> Path:
    from ..mockup.render import render_mockup

    path = folder / "mockup.jpg"
    with timer.step("mockup"):
        path.write_bytes(render_mockup(prep, engine, width=MOCKUP_WIDTH))
    return path
