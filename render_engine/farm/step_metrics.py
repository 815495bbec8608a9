"""Render step timings as Prometheus histograms that a whole farm shares.

Each RQ job renders in a worker process (often a work horse forked for that one job, whose memory dies
with it), so the API process cannot count job steps itself. Workers add every finished job's step timings
to one Redis hash (``<prefix>metrics:steps``: cumulative bucket counts, sum and count per pipeline and
step, ``HINCRBY``/``HINCRBYFLOAT`` in one round trip), and the API's ``/metrics`` reads it back. The counts
are counters: they only grow, and start again from zero if Redis loses them (Prometheus handles resets).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STEP_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
"""Render steps range from a millisecond (layout) to minutes (a poster PDF's ``write``)."""

Histograms = dict[tuple[str, str], list[float]]
"""(pipeline, step) -> cumulative count per bucket of :data:`STEP_BUCKETS`, then sum, then count."""


def observe_into(hists: dict[Any, list[float]], key: Any, seconds: float, buckets: tuple[float, ...]) -> None:
    """One observation added to the histogram ``hists[key]`` (cumulative count per bucket, then sum, count):
    the one bucketing loop of every histogram here and in the API (``api/metrics.py``)."""
    h = hists.setdefault(key, [0.0] * (len(buckets) + 2))
    for i, b in enumerate(buckets):
        if seconds <= b:
            h[i] += 1
    h[-2] += seconds
    h[-1] += 1


def add_observation(hists: Histograms, pipeline: str, step: str, seconds: float) -> None:
    observe_into(hists, (pipeline, step), seconds, STEP_BUCKETS)


def merge(into: Histograms, other: Histograms) -> Histograms:
    for key, h in other.items():
        mine = into.setdefault(key, [0.0] * (len(STEP_BUCKETS) + 2))
        for i, v in enumerate(h):
            mine[i] += v
    return into


class RedisStepSink:
    """The farm's shared step histograms in one Redis hash."""

    def __init__(self, redis: Any, key: str) -> None:
        self.redis = redis
        self.key = key

    def observe(self, pipeline: str, seconds: Mapping[str, float]) -> None:
        """One job pipeline's step timings (what ``render_engine.farm.jobs.report_steps`` reports)."""
        hists: Histograms = {}
        for step, v in seconds.items():
            add_observation(hists, pipeline, step, float(v))  # the same bucketing as the API's own histograms
        pipe = self.redis.pipeline(transaction=False)
        for (_, step), h in hists.items():
            field = f"{pipeline}|{step}"
            for i, count in enumerate(h[: len(STEP_BUCKETS)]):
                if count:
                    pipe.hincrby(self.key, f"{field}|{i}", int(count))
            pipe.hincrbyfloat(self.key, f"{field}|sum", h[-2])
            pipe.hincrby(self.key, f"{field}|count", int(h[-1]))
        pipe.execute()

    def read(self) -> Histograms:
        out: Histograms = {}
        for raw_field, raw_value in self.redis.hgetall(self.key).items():
            parts = (raw_field.decode() if isinstance(raw_field, bytes) else str(raw_field)).split("|")
            if len(parts) != 3:
                continue
            pipeline, step, slot = parts
            h = out.setdefault((pipeline, step), [0.0] * (len(STEP_BUCKETS) + 2))
            value = float(raw_value)
            if slot == "sum":
                h[-2] = value
            elif slot == "count":
                h[-1] = value
            elif slot.isdigit() and int(slot) < len(STEP_BUCKETS):
                h[int(slot)] = value
        return out
