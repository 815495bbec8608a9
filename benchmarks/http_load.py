"""W6: storefront previews through the real HTTP API, at a given concurrency, on loopback.

Starts ``render-engine serve`` (embedded mode, a private storage root and a generated storefront key) in a
subprocess, uploads one customer photo, then ``concurrency`` client threads post W1's design as 800 px
mockup previews with a different name each time (an edit session per shopper, as a storefront would send).
A probe thread GETs ``/healthz`` every 200 ms: is the API responsive while previews saturate the cores?
429 answers (the preview gate) are counted, not timed. Peak RSS is the server's ``VmHWM``.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from .results import Sample

NAMES = ("Emma", "Liam", "Olivia", "Noah", "Ava", "Mia", "Lucas", "Zoë")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _vm_hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_http_previews(
    design: dict[str, Any], photo: Path, *, concurrency: int, per_client: int, width: int = 800
) -> tuple[list[Sample], int, dict[str, float], int, float]:
    """Returns (preview samples, server peak RSS kB, healthz latency p50/p95 in s, number of 429s, the wall
    time of the whole client phase in s)."""
    import httpx

    key = secrets.token_hex(16)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="render-bench-w6-") as root:
        env = {
            **os.environ,
            "RENDER_ENGINE_STORAGE_ROOT": root,
            "RENDER_ENGINE_API_KEYS": f"storefront:{key}",
        }
        env.pop("REDIS_URL", None)
        server = subprocess.Popen(
            [sys.executable, "-m", "render_engine.cli", "serve", "--port", str(port), "--log-level", "warning"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        headers = {"X-API-Key": key}
        try:
            wait_healthy(base, server)
            asset = httpx.post(f"{base}/v1/assets", content=photo.read_bytes(), headers=headers, timeout=60)
            asset.raise_for_status()
            d = json.loads(json.dumps(design).replace('"asset": "', '"asset_id": "'))
            for layer in d["layers"]:
                if "asset_id" in layer:
                    layer["asset_id"] = asset.json()["asset_id"]
            httpx.post(f"{base}/v1/previews", json={"design": d, "width": width}, headers=headers, timeout=60)
            samples: list[Sample] = []
            throttled = [0]
            health: list[float] = []
            lock = threading.Lock()
            stop = threading.Event()

            def client(n: int) -> None:
                with httpx.Client(base_url=base, timeout=120) as c:
                    done = 0
                    while done < per_client:
                        body = json.loads(json.dumps(d))
                        for layer in body["layers"]:
                            if layer.get("type") == "text":
                                layer["text"] = f"{NAMES[(n + done) % len(NAMES)]} {n}-{done}"
                        t0 = time.perf_counter()
                        r = c.post("/v1/previews", json={"design": body, "width": width}, headers=headers)
                        wall = time.perf_counter() - t0
                        if r.status_code == 429:
                            with lock:
                                throttled[0] += 1
                            time.sleep(float(r.headers.get("retry-after", "1")) * 0.25)
                            continue
                        err = None if r.status_code == 200 else f"HTTP {r.status_code}: {r.text[:200]}"
                        with lock:
                            samples.append(Sample(wall, 0.0, len(r.content), {"http": wall}, err))
                        done += 1

            def probe() -> None:
                with httpx.Client(base_url=base, timeout=10) as c:
                    while True:  # one sample at once, then every 200 ms until the clients are done
                        t0 = time.perf_counter()
                        c.get("/healthz")
                        health.append(time.perf_counter() - t0)
                        if stop.wait(0.2):
                            break

            threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
            prober = threading.Thread(target=probe)
            prober.start()
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - started
            stop.set()
            prober.join()
            peak = _vm_hwm_kb(server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
    hs = sorted(health) or [float("nan")]
    health_stats = {"healthz_p50": statistics.median(hs), "healthz_p95": hs[min(len(hs) - 1, int(0.95 * len(hs)))]}
    return samples, peak, health_stats, throttled[0], elapsed


def wait_healthy(base: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Poll /healthz until the server answers 200; RuntimeError when it exits or the timeout passes."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"render-engine serve exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("render-engine serve did not become healthy")
