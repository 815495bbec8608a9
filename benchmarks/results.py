"""Result data: one timed render (:class:`Sample`), its summary statistics (:class:`Summary`), one row of the
report per workload (:class:`Row`) and the whole run (:class:`Report`), with their JSON form.

Everything here is plain data so that it can cross a process boundary (pickled by ``multiprocessing``) and be
written to / read back from the JSON result file that ``--compare`` consumes.
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

SCHEMA = "render-bench/1"
Status = Literal["ok", "skipped", "error"]


@dataclass(frozen=True)
class Sample:
    """One timed render, measured inside the worker process."""

    wall_s: float
    cpu_s: float  # process CPU time (all threads, so libvips' worker threads count)
    bytes: int
    steps: dict[str, float]
    error: str | None = None


@dataclass(frozen=True)
class Summary:
    """Statistics over the timed renders of one implementation on one workload."""

    runs: int
    errors: int
    p50_s: float
    p95_s: float
    min_s: float
    max_s: float
    mean_s: float
    throughput_per_s: float  # renders per wall-clock second (serial runs, or the whole batch)
    cpu_s: float  # median CPU seconds per render
    cpu_total_s: float
    peak_rss_mb: float  # ru_maxrss of the worker process (the largest worker for a batch)
    output_bytes: int  # median output size
    steps: dict[str, float]  # median seconds per pipeline step
    workers: int = 1
    wall_s: float = 0.0  # wall time of the timed part (sum of renders, or the batch from start to finish)
    serial_sum_s: float | None = None  # batch only: sum of single-render medians of its designs
    parallel_efficiency: float | None = None  # batch only: throughput / (workers * renders / serial_sum_s)
    walls_s: list[float] = field(default_factory=list)  # every timed render's wall time, in run order

    @staticmethod
    def from_json(data: dict[str, Any]) -> Summary:
        known = {f.name for f in fields(Summary)}
        return Summary(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class Row:
    """One line of the report: a workload (or a part of one, e.g. the two W5 batches)."""

    key: str  # "W1", "W5-mixed", ...
    workload: str  # "W1" ... "W6": what --workloads selects
    name: str
    description: str
    status: Status
    reason: str | None = None  # why skipped, or the error (traceback) of a failure
    ours: Summary | None = None
    baseline: Summary | None = None
    baseline_label: str = "baseline"  # what ``baseline`` is: Pillow + ReportLab (W rows) or the pyvips peer

    def ratios(self) -> dict[str, float]:
        """``ours / baseline`` per metric (below 1 is better for every one of them)."""
        if self.ours is None or self.baseline is None:
            return {}
        out: dict[str, float] = {}
        for metric in ("p50_s", "p95_s", "cpu_s", "peak_rss_mb", "output_bytes"):
            o, b = float(getattr(self.ours, metric)), float(getattr(self.baseline, metric))
            if b > 0:
                out[metric] = o / b
        return out

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratios_ours_over_baseline"] = self.ratios()
        return data

    @staticmethod
    def from_json(data: dict[str, Any]) -> Row:
        return Row(
            key=data["key"],
            workload=data["workload"],
            name=data["name"],
            description=data.get("description", ""),
            status=data["status"],
            reason=data.get("reason"),
            ours=Summary.from_json(data["ours"]) if data.get("ours") else None,
            baseline=Summary.from_json(data["baseline"]) if data.get("baseline") else None,
            baseline_label=data.get("baseline_label", "baseline"),
        )


@dataclass
class Report:
    created: str
    machine: dict[str, Any]
    config: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)  # the targets, evaluated (full runs)

    def row(self, key: str) -> Row | None:
        return next((r for r in self.rows if r.key == key), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "created": self.created,
            "machine": self.machine,
            "config": self.config,
            "rows": [r.to_json() for r in self.rows],
            "targets": self.targets,
        }

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(_finite(self.to_json()), indent=2, allow_nan=False)
        path.write_text(text + "\n", encoding="utf-8")

    @staticmethod
    def load(path: Path) -> Report:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("schema") != SCHEMA:
            raise ValueError(f"{path}: not a {SCHEMA} result file")
        return Report(
            created=data["created"],
            machine=data["machine"],
            config=data["config"],
            rows=[Row.from_json(r) for r in data["rows"]],
            targets=data.get("targets", []),
        )


def _finite(value: Any) -> Any:
    """NaN/inf (a workload with no successful render) become ``null``: the file stays strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


# ------------------------------------------------------------------------------------------- statistics


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default method); ``q`` in 0..100."""
    if not values:
        return math.nan
    s = sorted(values)
    rank = (len(s) - 1) * q / 100.0
    lo, hi = math.floor(rank), math.ceil(rank)
    return s[lo] + (s[hi] - s[lo]) * (rank - lo)


def median_steps(samples: list[Sample]) -> dict[str, float]:
    names: list[str] = []
    for s in samples:
        names.extend(n for n in s.steps if n not in names)
    return {n: statistics.median(s.steps.get(n, 0.0) for s in samples) for n in names}


def summarize(samples: list[Sample], peak_rss_kb: int, *, workers: int = 1, wall_s: float | None = None) -> Summary:
    """Summary of the successful samples; ``wall_s`` is the batch's wall time (default: sum of renders)."""
    good = [s for s in samples if s.error is None]
    walls = [s.wall_s for s in good]
    total_wall = wall_s if wall_s is not None else sum(walls)
    return Summary(
        runs=len(good),
        errors=len(samples) - len(good),
        p50_s=statistics.median(walls) if walls else math.nan,
        p95_s=percentile(walls, 95),
        min_s=min(walls, default=math.nan),
        max_s=max(walls, default=math.nan),
        mean_s=statistics.fmean(walls) if walls else math.nan,
        throughput_per_s=len(good) / total_wall if total_wall > 0 else 0.0,
        cpu_s=statistics.median(s.cpu_s for s in good) if good else math.nan,
        cpu_total_s=sum(s.cpu_s for s in good),
        peak_rss_mb=peak_rss_kb / 1024.0,
        output_bytes=int(statistics.median(s.bytes for s in good)) if good else 0,
        steps=median_steps(good),
        workers=workers,
        wall_s=total_wall,
        walls_s=[round(w, 6) for w in walls],
    )
