#!/usr/bin/env python
"""A bounded soak on loopback: ``render-engine serve`` (embedded mode) in a subprocess, mixed previews,
preflights and print jobs from N client threads for a fixed time, then a report.

    python scripts/soak.py [--duration 60] [--threads 4] [--port 0] [--json out.json]

Reported: RSS (``VmRSS`` from ``/proc/<pid>/status``) of the API process after boot, after warm-up and at
the end; p50/p95 latency per request kind; the error rate (any 5xx, or a 4xx other than 429, for these
valid requests); how many 429s the preview gate answered; jobs accepted / ready / failed after a drain.
Exit 1 when any error was seen or an accepted job did not finish. Not part of the test suite (a 5-second
smoke run is: tests/test_soak_smoke.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from benchmarks.http_load import free_port, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
SF, PU = "soak-storefront-key-000001", "soak-print-unit-key-000001"


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def coaster(text: str) -> dict[str, Any]:
    return {
        "version": 1,
        "template": "coaster-95-round",
        "layers": [
            {"type": "background", "color": random.choice(["#2a9d8f", "#e76f51", "#264653"])},
            {"type": "text", "text": text, "font": {"family": "noto-sans", "weight": 700}, "size": 18,
             "color": "#ffffff", "box": {"x": 10, "y": 30, "width": 75, "height": 30}, "align": "center"},
        ],
    }


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.jobs: list[str] = []
        self.transport_errors = 0

    def record(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            self.status[kind][status] += 1


def client_loop(base: str, stats: Stats, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=60) as c:
        n = 0
        while not stop.is_set():
            n += 1
            roll = rng.random()
            text = f"Soak {seed}-{n}" if rng.random() < 0.7 else "Soak (cached)"  # some cache hits
            try:
                t0 = time.perf_counter()
                if roll < 0.45:
                    kind = "preview"
                    r = c.post("/v1/previews", json={"design": coaster(text), "width": 400},
                               headers={"X-API-Key": SF, "Accept": "image/jpeg"})
                elif roll < 0.65:
                    kind = "preflight"
                    r = c.post("/v1/preflight", json={"design": coaster(text)}, headers={"X-API-Key": SF})
                elif roll < 0.8:
                    kind = "job"
                    r = c.post("/v1/jobs", json={"design": coaster(text), "outputs": {"formats": ["png"]}},
                               headers={"X-API-Key": SF})
                    if r.status_code == 202:
                        with stats.lock:
                            stats.jobs.append(r.json()["job_id"])
                else:
                    kind = "status"
                    with stats.lock:
                        job = rng.choice(stats.jobs) if stats.jobs else None
                    if job is None:
                        continue
                    r = c.get(f"/v1/jobs/{job}", headers={"X-API-Key": PU})
                stats.record(kind, r.status_code, time.perf_counter() - t0)
                if r.status_code == 429:
                    stop.wait(float(r.headers.get("retry-after", "1")) * rng.uniform(0.2, 0.6))
            except httpx.HTTPError:
                with stats.lock:
                    stats.transport_errors += 1


def health_loop(base: str, stats: Stats, stop: threading.Event) -> None:
    """Is the API still responsive while renders saturate the cores? /healthz every 200 ms."""
    with httpx.Client(base_url=base, timeout=10) as c:
        while not stop.wait(0.2):
            t0 = time.perf_counter()
            try:
                r = c.get("/healthz")
            except httpx.HTTPError:
                with stats.lock:
                    stats.transport_errors += 1
                continue
            stats.record("healthz", r.status_code, time.perf_counter() - t0)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    ap.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    ap.add_argument("--port", type=int, default=0, help="API port (default: a free one)")
    ap.add_argument("--drain", type=float, default=120.0, help="seconds to wait for accepted jobs to finish")
    ap.add_argument("--json", type=Path, help="also write the report here")
    args = ap.parse_args(argv)

    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    storage = Path(tempfile.mkdtemp(prefix="soak-"))
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(RENDER_ENGINE_STORAGE_ROOT=str(storage), RENDER_ENGINE_API_KEYS=f"storefront:{SF},print-unit:{PU}",
               PYTHONPATH=str(ROOT))
    log = open(storage / "api.log", "wb")  # noqa: SIM115 - lives as long as the server
    api = subprocess.Popen(
        [sys.executable, "-m", "render_engine.cli", "serve", "--port", str(port), "--log-level", "warning"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
    )
    report: dict[str, Any] = {}
    try:
        try:
            wait_healthy(base, api, timeout=60)
        except RuntimeError as exc:
            raise SystemExit(f"{exc}: {(storage / 'api.log').read_text(errors='replace')[-2000:]}") from None
        rss_boot = rss_kb(api.pid)
        with httpx.Client(base_url=base, timeout=60) as c:
            c.post("/v1/previews", json={"design": coaster("warm"), "width": 400}, headers={"X-API-Key": SF})
            c.post("/v1/preflight", json={"design": coaster("warm")}, headers={"X-API-Key": SF})
        rss_start = rss_kb(api.pid)

        stats = Stats()
        stop = threading.Event()
        threads = [threading.Thread(target=client_loop, args=(base, stats, stop, n)) for n in range(args.threads)]
        threads.append(threading.Thread(target=health_loop, args=(base, stats, stop)))
        t0 = time.monotonic()
        for t in threads:
            t.start()
        samples: list[tuple[float, int]] = []
        while not stop.wait(min(10.0, args.duration)):  # RSS every 10 s: flat or climbing?
            samples.append((round(time.monotonic() - t0, 1), rss_kb(api.pid)))
            if time.monotonic() - t0 >= args.duration:
                break
        stop.set()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
        rss_load_end = rss_kb(api.pid)

        states: dict[str, int] = defaultdict(int)  # drain: every accepted job must finish
        deadline = time.monotonic() + args.drain
        with httpx.Client(base_url=base, timeout=30) as c:
            pending = list(stats.jobs)
            while pending and time.monotonic() < deadline:
                still = []
                for j in pending:
                    s = c.get(f"/v1/jobs/{j}", headers={"X-API-Key": PU}).json()["state"]
                    if s in ("ready", "failed"):
                        states[s] += 1
                    else:
                        still.append(j)
                pending = still
                if pending:
                    time.sleep(0.5)
            states["unfinished"] = len(pending)
        rss_end = rss_kb(api.pid)

        total = sum(sum(v.values()) for v in stats.status.values())
        errors = sum(n for v in stats.status.values() for code, n in v.items() if code >= 500 or
                     (400 <= code < 500 and code != 429)) + stats.transport_errors
        n429 = sum(v.get(429, 0) for v in stats.status.values())
        report = {
            "duration_s": round(elapsed, 1),
            "threads": args.threads,
            "requests": total,
            "requests_per_s": round(total / elapsed, 1) if elapsed else 0,
            "errors": errors,
            "error_rate": round(errors / total, 4) if total else 0.0,
            "status_429": n429,
            "rss_kb": {"boot": rss_boot, "start": rss_start, "load_end": rss_load_end, "end": rss_end},
            "rss_kb_during_load": samples,
            "latency_ms": {
                k: {"n": len(v), "p50": round(pct(v, 50) * 1000, 1), "p95": round(pct(v, 95) * 1000, 1)}
                for k, v in sorted(stats.latency.items())
            },
            "status_by_kind": {k: dict(sorted(v.items())) for k, v in sorted(stats.status.items())},
            "jobs": {"accepted": len(stats.jobs), **states},
        }
    finally:
        os.killpg(api.pid, signal.SIGTERM)
        try:
            api.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(api.pid, signal.SIGKILL)
        log.close()
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    ok = report["errors"] == 0 and report["jobs"].get("unfinished", 0) == 0 and report["jobs"].get("failed", 0) == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
