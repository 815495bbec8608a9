"""A few Prometheus metrics, hand-formatted (text exposition format 0.0.4): no extra dependency."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Mapping

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
STEP_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
"""Render steps range from a millisecond (layout) to minutes (a poster PDF's ``write``)."""


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self.latency: dict[str, list[float]] = {}  # route -> bucket counts + [sum, count]
        self.steps: dict[tuple[str, str], list[float]] = {}  # (pipeline, step) -> bucket counts + [sum, count]

    def observe_steps(self, pipeline: str, seconds: Mapping[str, float]) -> None:
        """One render's step timings (a :class:`~render_engine.pipeline.StepTimer`'s ``seconds``).

        ``pipeline`` names what ran: ``preview``, ``preflight`` (API requests), ``job_prepare`` (resolve +
        layout, once per job), ``job_pdf``, ``job_png`` and ``job_review`` (preflight/proof/mockup artifacts) for
        jobs rendered in this process.
        """
        with self._lock:
            for step, v in seconds.items():
                h = self.steps.setdefault((pipeline, step), [0.0] * (len(STEP_BUCKETS) + 2))
                for i, b in enumerate(STEP_BUCKETS):
                    if v <= b:
                        h[i] += 1
                h[-2] += v
                h[-1] += 1

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(method, route, status)] += 1
            h = self.latency.setdefault(route, [0.0] * (len(BUCKETS) + 2))
            for i, b in enumerate(BUCKETS):
                if seconds <= b:
                    h[i] += 1
            h[-2] += seconds
            h[-1] += 1

    def render(self, jobs: dict[str, int], depth: dict[str, int]) -> str:
        out = [
            "# HELP render_http_requests_total HTTP requests by route and status.",
            "# TYPE render_http_requests_total counter",
        ]
        with self._lock:
            for (m, r, s), n in sorted(self.requests.items()):
                out.append(f'render_http_requests_total{{method="{m}",route="{r}",status="{s}"}} {n}')
            out += [
                "# HELP render_http_request_duration_seconds Request latency.",
                "# TYPE render_http_request_duration_seconds histogram",
            ]
            for r, h in sorted(self.latency.items()):
                for i, b in enumerate(BUCKETS):
                    out.append(f'render_http_request_duration_seconds_bucket{{route="{r}",le="{b}"}} {int(h[i])}')
                out.append(f'render_http_request_duration_seconds_bucket{{route="{r}",le="+Inf"}} {int(h[-1])}')
                out.append(f'render_http_request_duration_seconds_sum{{route="{r}"}} {h[-2]:.6f}')
                out.append(f'render_http_request_duration_seconds_count{{route="{r}"}} {int(h[-1])}')
            out += [
                "# HELP render_step_duration_seconds Render step durations of renders run in this process.",
                "# TYPE render_step_duration_seconds histogram",
            ]
            for (p, st), h in sorted(self.steps.items()):
                lab = f'pipeline="{p}",step="{st}"'
                for i, b in enumerate(STEP_BUCKETS):
                    out.append(f"render_step_duration_seconds_bucket{{{lab},le=\"{b}\"}} {int(h[i])}")
                out.append(f'render_step_duration_seconds_bucket{{{lab},le="+Inf"}} {int(h[-1])}')
                out.append(f"render_step_duration_seconds_sum{{{lab}}} {h[-2]:.6f}")
                out.append(f"render_step_duration_seconds_count{{{lab}}} {int(h[-1])}")
        out += ["# HELP render_jobs Jobs in the durable store by state.", "# TYPE render_jobs gauge"]
        for state in ("queued", "rendering", "ready", "failed"):
            out.append(f'render_jobs{{state="{state}"}} {jobs.get(state, 0)}')
        out += ["# HELP render_queue_depth Jobs waiting in each queue.", "# TYPE render_queue_depth gauge"]
        for q, n in sorted(depth.items()):
            out.append(f'render_queue_depth{{queue="{q}"}} {n}')
        return "\n".join(out) + "\n"
