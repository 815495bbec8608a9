#!/usr/bin/env python
"""A bounded soak on loopback: ``render-engine serve`` in a subprocess (embedded worker, or ``--mode rq``:
a private ``redis-server`` and a ``render-engine worker`` too), mixed previews, preflights and print jobs
from N client threads for a fixed time, then a report.

    python scripts/soak.py [--duration 60] [--threads 4] [--mode embedded|rq] [--svg-share 0.3] [--json out.json]

Reported: RSS (``VmRSS`` from ``/proc/<pid>/status``) of the API process, the RQ worker (``--mode rq``; its
work horses live for one job and are not counted) and the SVG helper processes (summed, with their count;
``render_engine.inputs.safety``) after boot, after warm-up, every 10 s and at the end; p50/p95 latency per
request kind; the error rate (any 5xx, or a 4xx other than 429, for these valid requests); how many 429s
the preview gate answered; jobs accepted / ready / failed after a drain. ``--svg-share`` of the designs
carry SVG clip-art (rendered in the helpers). Exit 1 when any error was seen or an accepted job did not
finish. Not part of the test suite (a 4-second smoke run is: tests/project/test_soak_smoke.py).
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


CLIP_ART = [(ROOT / "examples/assets" / n).read_text() for n in ("star.svg", "heart.svg")]


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:  # gone
        pass
    return 0


def descendants(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids = (task / "children").read_text().split()
        except OSError:
            continue
        for k in map(int, kids):
            out += [k, *descendants(k)]
    return out


def svg_helpers(pids: list[int]) -> list[int]:
    found = []
    for root in pids:
        for pid in descendants(root):
            try:
                if b"_helper_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(pid)
            except OSError:
                pass
    return found


def memory(procs: dict[str, int]) -> dict[str, int]:
    """RSS in KB of each named process, plus ``svg_helpers`` (sum) and ``svg_helper_count``."""
    out = {name: rss_kb(pid) for name, pid in procs.items()}
    helpers = svg_helpers(list(procs.values()))
    out["svg_helpers"] = sum(rss_kb(p) for p in helpers)
    out["svg_helper_count"] = len(helpers)
    return out


def coaster(text: str, svg: str | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "version": 1,
        "template": "coaster-95-round",
        "layers": [
            {"type": "background", "color": random.choice(["#2a9d8f", "#e76f51", "#264653"])},
            {"type": "text", "text": text, "font": {"family": "noto-sans", "weight": 700}, "size": 18,
             "color": "#ffffff", "box": {"x": 10, "y": 30, "width": 75, "height": 30}, "align": "center"},
        ],
    }
    if svg is not None:
        d["layers"].insert(1, {"type": "svg", "svg": svg, "box": {"x": 35, "y": 62, "width": 25, "height": 25}})
    return d


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.jobs: list[str] = []
        self.transport_errors = 0
        self.job_interval = 0.0  # seconds between job posts over all clients (--job-rate); 0: no cap
        self.next_job = 0.0

    def may_post_job(self) -> bool:
        with self.lock:
            now = time.monotonic()
            if now < self.next_job:
                return False
            self.next_job = max(self.next_job + self.job_interval, now - 1.0)
            return True

    def record(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            self.status[kind][status] += 1


def client_loop(base: str, stats: Stats, stop: threading.Event, seed: int, svg_share: float) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=60) as c:
        n = 0
        while not stop.is_set():
            n += 1
            roll = rng.random()
            text = f"Soak {seed}-{n}" if rng.random() < 0.7 else "Soak (cached)"  # some cache hits
            design = coaster(text, rng.choice(CLIP_ART) if rng.random() < svg_share else None)
            try:
                t0 = time.perf_counter()
                if roll < 0.45:
                    kind = "preview"
                    r = c.post("/v1/previews", json={"design": design, "width": 400},
                               headers={"X-API-Key": SF, "Accept": "image/jpeg"})
                elif roll < 0.65:
                    kind = "preflight"
                    r = c.post("/v1/preflight", json={"design": design}, headers={"X-API-Key": SF})
                elif roll < 0.8 and stats.may_post_job():
                    kind = "job"
                    r = c.post("/v1/jobs", json={"design": design, "outputs": {"formats": ["png"]}},
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


# ``--diagnose``: the API runs under tracemalloc; on SIGUSR1 it appends one JSON line to $SOAK_DIAG: RSS,
# traced Python memory, libvips' tracked memory and cache size, and (from the second signal on) the 15
# allocation sites that grew most since the first; with "trim" in $SOAK_DIAG_TRIM_AT (the signal number,
# counting from 1) it also calls malloc_trim(0) and reports RSS again: freed-but-kept heap vs live memory.
DIAG_BOOT = r"""
import ctypes, gc, json, os, signal, sys, tracemalloc
tracemalloc.start(8)
_state = {"n": 0, "first": None}
def _rss():
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
def _vips_tracked():
    with open("/proc/self/maps") as fh:
        path = next((line.split()[-1] for line in fh if "libvips" in line and ".so" in line), None)
    if path is None:
        return -1
    fn = ctypes.CDLL(path).vips_tracked_get_mem
    fn.restype = ctypes.c_size_t
    return int(fn())
def _dump(signum, frame):
    try:
        _write()
    except Exception as exc:  # never take the server down
        with open(os.environ["SOAK_DIAG"], "a") as fh:
            fh.write(json.dumps({"error": repr(exc)}) + "\n")
def _write():
    import pyvips
    _state["n"] += 1
    snap = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
    out = {"n": _state["n"], "rss_kb": _rss(), "traced_kb": tracemalloc.get_traced_memory()[0] // 1024,
           "vips_tracked_kb": _vips_tracked() // 1024, "vips_cache_ops": pyvips.cache_get_size(),
           "gc_objects": len(gc.get_objects())}
    if _state["first"] is None:
        _state["first"] = snap
    else:
        stats = snap.compare_to(_state["first"], "traceback")[:15]
        out["top_growth"] = [
            {"kb": st.size_diff // 1024, "count": st.count_diff,
             "where": [f"{f.filename.split('site-packages/')[-1]}:{f.lineno}" for f in st.traceback][-4:]}
            for st in stats
        ]
    if str(_state["n"]) == os.environ.get("SOAK_DIAG_TRIM_AT"):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        out["rss_after_malloc_trim_kb"] = _rss()
    with open(os.environ["SOAK_DIAG"], "a") as fh:
        fh.write(json.dumps(out) + "\n")
signal.signal(signal.SIGUSR1, _dump)
from render_engine.cli import main
sys.exit(main(sys.argv[1:]))
"""


def diagnose(api: subprocess.Popen[bytes], path: Path, n: int) -> dict[str, Any]:
    """Signal the API (``--diagnose``) and wait for its n-th diagnostics line."""
    api.send_signal(signal.SIGUSR1)
    for _ in range(600):
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= n:
            return dict(json.loads(lines[n - 1]))
        time.sleep(0.1)
    return {}


def start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A private redis-server on a free port (``--mode rq``), never a shared one."""
    import shutil

    from redis import Redis

    exe = shutil.which("redis-server")
    if exe is None:
        raise SystemExit("--mode rq needs redis-server")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(200):
        try:
            if Redis.from_url(url, socket_connect_timeout=0.5).ping():
                return proc, url
        except Exception:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    ap.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    ap.add_argument("--port", type=int, default=0, help="API port (default: a free one)")
    ap.add_argument("--drain", type=float, default=120.0, help="seconds to wait for accepted jobs to finish")
    ap.add_argument("--mode", choices=("embedded", "rq"), default="embedded",
                    help="embedded worker in the API process (default), or RQ: redis-server + render-engine worker")
    ap.add_argument("--svg-share", type=float, default=0.3, help="share of designs with SVG clip-art (default 0.3)")
    ap.add_argument("--job-rate", type=float, default=0.0,
                    help="cap on job posts per second over all clients, e.g. what one worker renders (default: none;"
                    " excess picks become status reads)")
    ap.add_argument("--diagnose", action="store_true",
                    help="run the API under tracemalloc: allocation growth and a malloc_trim test in the report")
    ap.add_argument("--json", type=Path, help="also write the report here")
    args = ap.parse_args(argv)

    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    storage = Path(tempfile.mkdtemp(prefix="soak-"))
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(RENDER_ENGINE_STORAGE_ROOT=str(storage), RENDER_ENGINE_API_KEYS=f"storefront:{SF},print-unit:{PU}",
               PYTHONPATH=str(ROOT))
    started: list[subprocess.Popen[bytes]] = []
    procs: dict[str, int] = {}
    log = open(storage / "api.log", "wb")  # noqa: SIM115 - lives as long as the server
    report: dict[str, Any] = {}
    try:
        if args.mode == "rq":
            redis, env["REDIS_URL"] = start_redis(storage)
            started.append(redis)
            worker = subprocess.Popen(
                [sys.executable, "-m", "render_engine.cli", "worker", "--log-level", "WARNING"],
                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
            )
            started.append(worker)
            procs["worker"] = worker.pid
        diag = storage / "diagnostics.jsonl"
        boot = ["-c", DIAG_BOOT] if args.diagnose else ["-m", "render_engine.cli"]
        api = subprocess.Popen(
            [sys.executable, *boot, "serve", "--port", str(port), "--log-level", "warning"],
            env={**env, "SOAK_DIAG": str(diag), "SOAK_DIAG_TRIM_AT": "3"}, cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=log, start_new_session=True,
        )
        started.append(api)
        procs = {"api": api.pid, **procs}
        try:
            wait_healthy(base, api, timeout=60)
        except RuntimeError as exc:
            raise SystemExit(f"{exc}: {(storage / 'api.log').read_text(errors='replace')[-2000:]}") from None
        rss_boot = memory(procs)
        with httpx.Client(base_url=base, timeout=60) as c:
            for svg in (None, CLIP_ART[0]):
                c.post("/v1/previews", json={"design": coaster("warm", svg), "width": 400}, headers={"X-API-Key": SF})
                c.post("/v1/preflight", json={"design": coaster("warm", svg)}, headers={"X-API-Key": SF})
        rss_start = memory(procs)
        diagnostics = [diagnose(api, diag, 1)] if args.diagnose else []

        stats = Stats()
        stats.job_interval = 1 / args.job_rate if args.job_rate > 0 else 0.0
        stop = threading.Event()
        threads = [threading.Thread(target=client_loop, args=(base, stats, stop, n, args.svg_share))
                   for n in range(args.threads)]
        threads.append(threading.Thread(target=health_loop, args=(base, stats, stop)))
        t0 = time.monotonic()
        for t in threads:
            t.start()
        samples: list[tuple[float, dict[str, int]]] = []
        while not stop.wait(min(10.0, args.duration)):  # RSS every 10 s: flat or climbing?
            samples.append((round(time.monotonic() - t0, 1), memory(procs)))
            if time.monotonic() - t0 >= args.duration:
                break
        stop.set()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
        rss_load_end = memory(procs)
        if args.diagnose:
            diagnostics.append(diagnose(api, diag, 2))

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
        rss_end = memory(procs)
        if args.diagnose:  # the third one also calls malloc_trim(0)
            diagnostics.append(diagnose(api, diag, 3))

        total = sum(sum(v.values()) for v in stats.status.values())
        errors = sum(n for v in stats.status.values() for code, n in v.items() if code >= 500 or
                     (400 <= code < 500 and code != 429)) + stats.transport_errors
        n429 = sum(v.get(429, 0) for v in stats.status.values())
        report = {
            "duration_s": round(elapsed, 1),
            "threads": args.threads,
            "mode": args.mode,
            "svg_share": args.svg_share,
            "job_rate": args.job_rate,
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
        if diagnostics:
            report["diagnostics"] = diagnostics
    finally:
        for proc in reversed(started):  # the API first, then the worker, then Redis
            stop_group(proc)
        log.close()
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    ok = report["errors"] == 0 and report["jobs"].get("unfinished", 0) == 0 and report["jobs"].get("failed", 0) == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
