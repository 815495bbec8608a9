"""A few Prometheus metrics, hand-formatted (text exposition format 0.0.4): no extra dependency.

Why not ``prometheus_client`` (weighed for issue #16; not clearly better here): the metrics that matter most,
the render step histograms, are shared by RQ workers on several machines through one Redis hash
(:mod:`render_engine.farm.step_metrics`) — prometheus_client's multiprocess mode shares mmap files on one host
only, so a custom collector reading Redis would remain, and it would emit the same lines this module does. What
it would add — ``_created`` series on every counter and histogram (a change to the exposition scrapers and
dashboards see), process metrics, OpenMetrics negotiation — is not asked for, and label escaping is not needed:
every label value comes from a fixed set (route templates, HTTP method tokens, which cannot hold a quote, a backslash
or a newline, pipeline and step names, states, queues). One histogram writer (:func:`histogram_lines`) and one
bucketing loop (:func:`~render_engine.farm.step_metrics.observe_into`) serve every histogram; metric names are
a contract (docs/api.md) and stay.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from render_engine.farm.step_metrics import STEP_BUCKETS, Histograms, add_observation, merge, observe_into
from render_engine.farm.store_orders import PRIORITIES

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
K = TypeVar("K")


def histogram_lines(
    name: str, hists: Mapping[K, list[float]], labels: Callable[[K], str], buckets: tuple[float, ...]
) -> list[str]:
    """Exposition lines of one histogram family (without its HELP/TYPE), series sorted by key: per series a
    cumulative ``_bucket`` line per bound and ``+Inf``, then ``_sum`` and ``_count``."""
    out: list[str] = []
    for key, h in sorted(hists.items()):
        lab = labels(key)
        for i, b in enumerate(buckets):
            out.append(f'{name}_bucket{{{lab},le="{b}"}} {int(h[i])}')
        out.append(f'{name}_bucket{{{lab},le="+Inf"}} {int(h[-1])}')
        out.append(f"{name}_sum{{{lab}}} {h[-2]:.6f}")
        out.append(f"{name}_count{{{lab}}} {int(h[-1])}")
    return out


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self.latency: dict[str, list[float]] = {}  # route -> bucket counts + [sum, count]
        self.steps: Histograms = {}  # (pipeline, step) -> bucket counts + [sum, count]

    def observe_steps(self, pipeline: str, seconds: Mapping[str, float]) -> None:
        """One render's step timings (a :class:`~render_engine.pipeline.StepTimer`'s ``seconds``).

        ``pipeline`` names what ran: ``preview``, ``preflight`` (API requests), ``job_prepare`` (resolve +
        layout, once per job), ``job_pdf``, ``job_png`` and ``job_review`` (preflight/proof/mockup artifacts) for
        jobs rendered in this process (the embedded worker; RQ workers report theirs through Redis).
        """
        with self._lock:
            for step, v in seconds.items():
                add_observation(self.steps, pipeline, step, v)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(method, route, status)] += 1
            observe_into(self.latency, route, seconds, BUCKETS)

    def render(self, jobs: dict[str, int], depth: dict[str, int], farm_steps: Histograms | None = None) -> str:
        """The exposition text; ``farm_steps`` (the RQ workers' job steps, from Redis) are added to the step
        histograms of this process."""
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
            out += histogram_lines(
                "render_http_request_duration_seconds", self.latency, lambda r: f'route="{r}"', BUCKETS
            )
            out += [
                "# HELP render_step_duration_seconds Render step durations: this process's renders and, with"
                " REDIS_URL, every RQ worker's jobs.",
                "# TYPE render_step_duration_seconds histogram",
            ]
            steps = merge({k: list(v) for k, v in self.steps.items()}, farm_steps or {})
            out += histogram_lines(
                "render_step_duration_seconds", steps, lambda k: f'pipeline="{k[0]}",step="{k[1]}"', STEP_BUCKETS
            )
        out += ["# HELP render_jobs Jobs in the durable store by state.", "# TYPE render_jobs gauge"]
        for state in ("held", "queued", "rendering", "ready", "failed"):
            out.append(f'render_jobs{{state="{state}"}} {jobs.get(state, 0)}')
        out += ["# HELP render_queue_depth Jobs waiting in each queue.", "# TYPE render_queue_depth gauge"]
        for q, n in sorted(depth.items()):
            out.append(f'render_queue_depth{{queue="{q}"}} {n}')
        return "\n".join(out) + "\n"


def order_lines(reprints: Mapping[str, int], figures: Mapping[str, Any]) -> str:
    """Order figures from the shared job store (farm-wide, from any API process): reprints by QC reason,
    the print queue's oldest job age and length per priority, jobs at risk / overdue, deadline misses."""
    out = [
        "# HELP render_reprints_total Reprints (qc_failed reports) by reason code, jobs still in the store.",
        "# TYPE render_reprints_total counter",
    ]
    out += [f'render_reprints_total{{reason="{r}"}} {n}' for r, n in sorted(reprints.items())]
    out += [
        "# HELP render_print_queue_age_seconds Age of the oldest ready job no print unit has taken, per priority.",
        "# TYPE render_print_queue_age_seconds gauge",
    ]
    for p in PRIORITIES:
        out.append(f'render_print_queue_age_seconds{{priority="{p}"}} {figures["queue_age"].get(p, 0.0):.3f}')
    out += [
        "# HELP render_print_queue_jobs Ready jobs no print unit has taken.",
        "# TYPE render_print_queue_jobs gauge",
    ]
    for p in PRIORITIES:
        out.append(f'render_print_queue_jobs{{priority="{p}"}} {figures["queue_len"].get(p, 0)}')
    out += [
        "# HELP render_jobs_at_risk Jobs not shipped whose due_by is within at_risk_hours.",
        "# TYPE render_jobs_at_risk gauge",
        f"render_jobs_at_risk {figures['at_risk']}",
        "# HELP render_jobs_overdue Jobs not shipped (nor failed) past their due_by.",
        "# TYPE render_jobs_overdue gauge",
        f"render_jobs_overdue {figures['overdue']}",
        "# HELP render_deadline_misses_total Jobs shipped after their due_by (jobs still in the store).",
        "# TYPE render_deadline_misses_total counter",
        f"render_deadline_misses_total {figures['missed']}",
        "# HELP render_shipped_on_time_total Jobs shipped by their due_by (jobs still in the store).",
        "# TYPE render_shipped_on_time_total counter",
        f"render_shipped_on_time_total {figures['shipped_on_time']}",
    ]
    return "\n".join(out) + "\n"
