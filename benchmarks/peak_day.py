"""Peak-day loopback run (issue #20; not part of the test suite): a festival hour of orders through the API
and real RQ workers with the PostgreSQL job store.

    python -m benchmarks.peak_day --orders 5000 --workers 2 --out peak_day/

* The API runs in-process (FastAPI TestClient, RQ dispatcher, PostgreSQL store: ``--pg-url``, else
  ``RENDER_ENGINE_JOB_STORE_URL``, else a private server as the tests make one); ``--workers`` real
  ``render-engine worker`` processes render while the orders arrive (mixed products, ``--express`` share
  express, ``--same-day`` share same_day, small text-only designs at low DPI so the run measures the farm,
  not the rasteriser). A one-unit registry (every day a work day, same day until 23:59 UTC) routes them.
* Checks: every order has exactly one job (idempotency keys), every job is ``ready`` with its files, each
  rendered once (``attempts``). Overtaking, by the workers' take times (``taken_at``: when a worker took the
  job off its queue, before forking its work horse): for each express / same_day job, the jobs of a lower
  priority taken between its arrival and its take. Arrival is when its POST had returned (the job was on
  its queue by then); taken between the store's record and that return (the few ms of the enqueue itself)
  is counted apart. Exactly, in Redis' own order of pushes and takes (render_engine.farm.taking: each
  ``taken`` event records the take's and the job's arrival's sequence numbers): ``overtaking_in_redis_order``,
  which must be 0. The older start-time figure (``started_at``, after the fork) is kept for comparison.
* Output: ``peak_day.json`` (figures) and ``queue_age.png`` (age of the oldest waiting job per priority
  over the run, drawn with Pillow).
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from benchmarks.farm_load import ROOT, delete_keys, new_prefix, redis_url

SF_KEY, PU_KEY = "peak-day-storefront-0123456789", "peak-day-print-unit-0123456789"
PRODUCTS = ("coaster-95-round", "mug-11oz", "card-5x7", "tshirt-front-dtg")


def worker_env(url: str, root: Path, prefix: str, store_url: str) -> dict[str, str]:
    """This process's environment without farm settings of its own, plus this run's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENDER_ENGINE_") and k != "REDIS_URL"}
    env.update(REDIS_URL=url, RENDER_ENGINE_STORAGE_ROOT=str(root), RENDER_ENGINE_QUEUE_PREFIX=prefix,
               RENDER_ENGINE_JOB_STORE_URL=store_url)  # fmt: skip
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return env


def design(template: str, n: int) -> dict[str, Any]:
    return {"version": 1, "template": template, "layers": [
        {"type": "background", "color": "#f4a261" if template != "tshirt-front-dtg" else "#ffffff"},
        {"type": "text", "text": f"Order {n}", "font": {"family": "noto-sans", "weight": 700}, "size": 20,
         "color": "#264653", "box": {"x": 10, "y": 30, "width": 75, "height": 30}, "align": "center"},
    ]}  # fmt: skip


@contextlib.contextmanager
def postgres(url: str | None) -> Any:
    if url:
        yield url
        return
    from tests.pg_support import postgres_server

    with postgres_server() as found:
        yield found


RANK = {"same_day": 0, "express": 1, "standard": 2}


def registry() -> dict[str, Any]:
    return {"calendar": {"workdays": [0, 1, 2, 3, 4, 5, 6]}, "units": [
        {"id": "peak", "location": "loopback", "technologies": ["sublimation", "dtg", "digital"],
         "products": list(PRODUCTS), "daily_capacity": 1_000_000, "cutoff": "14:00:00", "timezone": "UTC",
         "same_day": {"cutoff": "23:59:00", "ship_by": "23:59:59"}},
    ]}  # fmt: skip


def overtaking(recs: list[Any], posted: dict[str, float]) -> dict[str, Any]:
    """For each express / same_day job: lower-priority jobs a worker took after it arrived and before it was
    taken itself (``posted``: job id -> when its POST returned). ``violations`` must be 0; ``in_enqueue_window``
    counts those taken between the job's record and its POST's return (it may not have been on its queue)."""
    taken = sorted((r.taken_at, RANK[r.priority], r.id) for r in recs if r.taken_at is not None)
    times = [t for t, _, _ in taken]
    out: dict[str, Any] = {"urgent_jobs": 0, "violations": 0, "in_enqueue_window": 0, "worst_s": 0.0}
    for r in recs:
        if r.priority == "standard" or r.taken_at is None:
            continue
        out["urgent_jobs"] += 1
        arrived = posted[r.id]
        lo = bisect.bisect_left(times, r.created_at)
        hi = bisect.bisect_left(times, r.taken_at)
        for t, rank, _ in taken[lo:hi]:
            if rank <= RANK[r.priority]:
                continue
            if t > arrived:
                out["violations"] += 1
                out["worst_s"] = max(out["worst_s"], round(t - arrived, 3))
            else:
                out["in_enqueue_window"] += 1
    return out


def overtaking_in_redis_order(recs: list[Any], store: Any) -> dict[str, Any]:
    """Exact: for each express / same_day job, lower-priority takes whose place in the farm's Redis order (the
    push and take scripts of render_engine.farm.taking, recorded on each ``taken`` event) lies between the
    job's push and its take. ``unstamped``: jobs whose take or arrival carries no Redis order."""
    order: dict[str, tuple[int, int]] = {}
    for r in recs:
        ev = [e["data"] for e in store.events(r.id) if e["kind"] == "taken"]
        if ev and "seq" in ev[-1] and "arrived_seq" in ev[-1]:
            order[r.id] = (int(ev[-1]["arrived_seq"]), int(ev[-1]["seq"]))
    takes = sorted((order[r.id][1], RANK[r.priority]) for r in recs if r.id in order)
    seqs = [t for t, _ in takes]
    out: dict[str, Any] = {"urgent_jobs": 0, "violations": 0, "unstamped": len(recs) - len(order)}
    for r in recs:
        if r.priority == "standard" or r.id not in order:
            continue
        out["urgent_jobs"] += 1
        arrived, taken = order[r.id]
        lo, hi = bisect.bisect_right(seqs, arrived), bisect.bisect_left(seqs, taken)
        out["violations"] += sum(rank > RANK[r.priority] for _, rank in takes[lo:hi])
    return out


def queue_age_curve(recs: list[Any], priority: str, t0: float, t1: float, step: float) -> list[tuple[float, float]]:
    """(t, age of the oldest job of ``priority`` accepted but not yet taken by a worker at t) every ``step`` s."""
    jobs = sorted((r.created_at, r.taken_at or r.started_at or t1) for r in recs if r.priority == priority)
    out = []
    t = t0
    while t <= t1:
        waiting = [c for c, s in jobs if c <= t < s]
        out.append((t - t0, (t - min(waiting)) if waiting else 0.0))
        t += step
    return out


def draw_chart(curves: dict[str, list[tuple[float, float]]], path: Path, title: str) -> None:
    from PIL import Image, ImageDraw

    w, h, pad = 1200, 600, 60
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    tmax = max((p[0] for c in curves.values() for p in c), default=1.0) or 1.0
    amax = max((p[1] for c in curves.values() for p in c), default=1.0) or 1.0
    d.line([(pad, pad), (pad, h - pad), (w - pad, h - pad)], fill="black", width=2)
    for k in range(6):
        y = h - pad - k * (h - 2 * pad) / 5
        d.text((5, y - 6), f"{amax * k / 5:.0f} s", fill="black")
        x = pad + k * (w - 2 * pad) / 5
        d.text((x - 10, h - pad + 8), f"{tmax * k / 5:.0f} s", fill="black")
    colours = {"same_day": (20, 150, 60), "express": (200, 40, 40), "standard": (40, 80, 200)}
    for n, (name, pts) in enumerate(curves.items()):
        xy = [(pad + t / tmax * (w - 2 * pad), h - pad - a / amax * (h - 2 * pad)) for t, a in pts]
        if len(xy) > 1:
            d.line(xy, fill=colours.get(name, (0, 0, 0)), width=2)
        d.text((w - 260, pad + 18 * n), f"{name}: oldest waiting job's age", fill=colours.get(name, (0, 0, 0)))
    d.text((pad, 20), title, fill="black")
    img.save(path)


def run(
    orders: int, express_share: float, workers: int, out: Path, pg_url: str | None, same_day_share: float = 0.0
) -> dict[str, Any]:
    from render_engine import Engine, Settings
    from render_engine.farm.settings import ServiceSettings
    from render_engine.farm.store import open_job_store
    from tests.pg_support import private_schema

    url = redis_url()
    prefix = new_prefix()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="peak-day-") as tmp, postgres(pg_url) as server, \
            private_schema(server) as store_url:  # fmt: skip
        root = Path(tmp) / "storage"
        units = Path(tmp) / "units.json"
        units.write_text(json.dumps(registry()))
        settings = ServiceSettings(storage_root=root, redis_url=url, queue_prefix=prefix, job_store_url=store_url,
                                   api_keys=f"storefront:{SF_KEY},print-unit:{PU_KEY}", print_units=units)  # fmt: skip
        env = worker_env(url, root, prefix, store_url)
        logs = [Path(tmp) / f"worker-{n}.log" for n in range(workers)]
        procs = []
        try:
            for n, log in enumerate(logs):
                with open(log, "wb") as err:
                    procs.append(subprocess.Popen(
                        [sys.executable, "-m", "render_engine.cli", "worker", "--name", f"peak-{n}",
                         "--log-level", "WARNING"],
                        env=env, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=err,
                    ))  # fmt: skip
            every = max(1, round(1 / express_share)) if express_share > 0 else 0
            every_sd = max(1, round(1 / same_day_share)) if same_day_share > 0 else 0
            posted: dict[str, float] = {}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from fastapi.testclient import TestClient

                from api.app import create_app

                ids: list[str] = []
                post_s: list[float] = []
                t_post = time.perf_counter()
                with TestClient(create_app(settings, engine=Engine(Settings()))) as c:
                    for n in range(orders):
                        urgent = bool(every) and n % every == every // 2
                        today = bool(every_sd) and n % every_sd == every_sd // 3 and not urgent
                        priority = "same_day" if today else "express" if urgent else "standard"
                        body = {"design": design(PRODUCTS[n % len(PRODUCTS)], n),
                                "outputs": {"formats": ["png"], "dpi": 40, "proof": False},
                                "priority": priority}  # fmt: skip
                        t = time.perf_counter()
                        r = c.post("/v1/jobs", json=body, headers={"X-API-Key": SF_KEY, "Idempotency-Key": f"o-{n}"})
                        post_s.append(time.perf_counter() - t)
                        if r.status_code != 202:
                            raise RuntimeError(f"order {n}: HTTP {r.status_code} {r.text[:200]}")
                        ids.append(r.json()["job_id"])
                        posted[ids[-1]] = time.time()
                posting = time.perf_counter() - t_post
            store = open_job_store(store_url, root)
            deadline = time.monotonic() + 6 * 3600
            while time.monotonic() < deadline:
                counts = store.counts()
                if counts.get("ready", 0) + counts.get("failed", 0) >= orders:
                    break
                time.sleep(2)
            recs = [store.get(j) for j in ids]
        finally:
            for p in procs:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                delete_keys(url, prefix)
        missing = [j for j, r in zip(ids, recs, strict=True) if r is None]
        done = [r for r in recs if r is not None]
        not_ready = [r.id for r in done if r.state != "ready"]
        reruns = [r.id for r in done if r.attempt != 1]
        no_files = [r.id for r in done if r.state == "ready" and not (root / "jobs" / r.id / "print.png").is_file()]
        # express overtaking: standard jobs waiting when an express job arrived must start after it
        express = [r for r in done if r.priority == "express" and r.started_at]
        standard = sorted((r.created_at, r.started_at) for r in done if r.priority == "standard" and r.started_at)
        late, late_beyond_window = 0, 0
        for e in express:
            for created, started in standard:
                if created >= e.created_at:
                    break
                if e.created_at < started < (e.started_at or 0.0):
                    late += 1
                    if started - e.created_at > 1.0:
                        late_beyond_window += 1
        t0 = min(r.created_at for r in done)
        t1 = max(r.finished_at or r.created_at for r in done)
        present = [p for p in RANK if any(r.priority == p for r in done)]
        curves = {p: queue_age_curve(done, p, t0, t1, max(1.0, (t1 - t0) / 600)) for p in present}
        draw_chart(curves, out / "queue_age.png", f"peak day: {orders} orders, {workers} workers, PostgreSQL store")
        waits = {p: sorted(r.started_at - r.created_at for r in done if r.priority == p and r.started_at)
                 for p in present}  # fmt: skip
        take_waits = {p: sorted(r.taken_at - r.created_at for r in done if r.priority == p and r.taken_at)
                      for p in present}  # fmt: skip
        take_to_start = sorted(r.started_at - r.taken_at for r in done if r.taken_at and r.started_at)

        def pct(xs: list[float], q: float) -> float:
            return round(xs[min(len(xs) - 1, int(q * len(xs)))], 2) if xs else float("nan")

        figures = {
            "orders": orders, "workers": workers, "express_share": express_share,
            "jobs_recorded": len(done), "missing": len(missing), "not_ready": len(not_ready),
            "rendered_more_than_once": len(reruns), "ready_without_file": len(no_files),
            "distinct_job_ids": len(set(ids)),
            "posting_s": round(posting, 1), "post_latency_ms_p50": round(statistics.median(post_s) * 1000, 1),
            "post_latency_ms_p99": round(pct(sorted(post_s), 0.99) * 1000, 1),
            "wall_s": round(t1 - t0, 1), "jobs_per_s": round(len(done) / max(1e-9, t1 - t0), 2),
            "same_day_share": same_day_share,
            "jobs_per_priority": {p: sum(r.priority == p for r in done) for p in present},
            "wait_s": {p: {"p50": pct(w, 0.5), "p95": pct(w, 0.95), "max": pct(w, 1.0)} for p, w in waits.items()},
            "wait_to_take_s": {p: {"p50": pct(w, 0.5), "p95": pct(w, 0.95), "max": pct(w, 1.0)}
                               for p, w in take_waits.items()},
            "take_to_start_s": {"p50": pct(take_to_start, 0.5), "p95": pct(take_to_start, 0.95),
                                "max": pct(take_to_start, 1.0)},
            "taken_recorded": sum(r.taken_at is not None for r in done),
            "overtaking_by_take_time": overtaking(done, posted),
            "overtaking_in_redis_order": overtaking_in_redis_order(done, store),
            "max_queue_age_s": {p: round(max(a for _, a in c), 1) for p, c in curves.items()},
            "express_overtaken_by_waiting_standard": late,
            "express_overtaken_beyond_1s_start_window": late_beyond_window,
        }  # fmt: skip
        (out / "peak_day.json").write_text(json.dumps(figures, indent=2) + "\n")
        return figures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orders", type=int, default=5000)
    ap.add_argument("--express", type=float, default=0.2)
    ap.add_argument("--same-day", type=float, default=0.05)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("peak_day"))
    ap.add_argument("--pg-url", default=os.environ.get("RENDER_ENGINE_JOB_STORE_URL"))
    a = ap.parse_args(argv)
    figures = run(a.orders, a.express, a.workers, a.out, a.pg_url, a.same_day)
    print(json.dumps(figures, indent=2))
    checks = ("missing", "not_ready", "rendered_more_than_once", "ready_without_file")
    exact = figures["overtaking_in_redis_order"]
    bad = any(figures[k] for k in checks) or exact["violations"] or exact["unstamped"]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
