"""W9 validation: a large ``POST /v1/batches`` checked off the request (issue #19) — N rows of the
``corporate-logo-name`` template on the 11oz mug (names and titles, one shared logo asset), posted to the API
in this process (SQLite job store, no render thread: only the validation is measured), answered 202
``validating``; the batch validator checks every row and creates the jobs.

Reports the POST's wall time, the validation's wall and CPU seconds (this process: the validator thread does
nearly all of it), CPU per row (median, p90, from the validator's own per-row clock), RSS when 100, 1000 and
every row were checked (the issue asks RSS after 1000 rows within 10 % of RSS after 100), and the load average.

    python -m benchmarks.batch_intake_bench --rows 10000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from .merge_bench import PRODUCT, TEMPLATE, logo_png, rows


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run(n: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from render_engine.farm.settings import ServiceSettings

    key = "bench-storefront-key-0123456789abcdef"
    h = {"X-API-Key": key}
    # ignore_cleanup_errors: the app's threads may still touch the store's files as the folder goes
    with tempfile.TemporaryDirectory(prefix="w9-intake-", ignore_cleanup_errors=True) as tmp:
        settings = ServiceSettings(storage_root=Path(tmp), redis_url=None, api_keys=f"storefront:{key}",
                                   embedded_workers=0, max_design_bytes=4_000_000)  # fmt: skip
        with TestClient(create_app(settings)) as c:
            logo = c.post("/v1/assets", content=logo_png(Path(tmp) / "logo.png").read_bytes(), headers=h)
            body = {"design_template": TEMPLATE, "product": PRODUCT, "rows": rows(n),
                    "values": {"company": "Acme Tiles"}, "photos": {"logo": {"asset_id": logo.json()["asset_id"]}},
                    "outputs": {"formats": ["pdf"]}}  # fmt: skip
            load0 = os.getloadavg()
            rss0 = rss_mb()
            w0, c0 = time.perf_counter(), time.process_time()
            r = c.post("/v1/batches", json=body, headers=h)
            post_s = time.perf_counter() - w0
            assert r.status_code == 202, r.text[:500]
            url = r.json()["url"]
            marks: dict[str, float] = {}
            while True:
                out = c.get(url, headers=h).json()
                checked = out["counts"].get("checked", n if out["state"] != "validating" else 0)
                for m in (100, 1000, 5000):
                    if checked >= m and f"rss_mb_after_{m}" not in marks:
                        marks[f"rss_mb_after_{m}"] = round(rss_mb(), 1)
                if out["state"] != "validating":
                    break
                time.sleep(0.5)
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            app: Any = c.app
            per_row = sorted(app.state.render.validator.row_seconds)
            result = {
                "rows": n, "state": out["state"], "jobs": len(out["jobs"]), "post_s": round(post_s, 3),
                "validation_wall_s": round(wall, 1), "validation_cpu_s": round(cpu, 1),
                "cpu_ms_per_row_median": round(1000 * statistics.median(per_row), 2),
                "cpu_ms_per_row_p90": round(1000 * per_row[int(0.9 * (len(per_row) - 1))], 2),
                "rss_mb_before": round(rss0, 1), **marks, "rss_mb_end": round(rss_mb(), 1),
                "loadavg_before": load0, "loadavg_after": os.getloadavg(),
            }  # fmt: skip
            print(json.dumps(result, indent=1), flush=True)
            return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1000)
    run(ap.parse_args().rows)


if __name__ == "__main__":
    main()
