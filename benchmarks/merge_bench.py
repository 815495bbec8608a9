"""W9: a corporate bulk order through the public API (issue #19) — one design template x 100 rows -> 100 print
files.

The library's ``corporate-logo-name`` template on the 11oz mug (CMYK PDF/X-4), one shared 600 px logo and a
different employee name and title per row, as ``render-engine merge`` or a ``POST /v1/batches`` worker would
print them: first every row is filled (validated) with :func:`render_engine.fill_design_template`, then each
piece is rendered with :func:`render_engine.personalize` in one warm process (a spawned child; the first
piece is the warm-up and is not counted). The row reports the median time per piece, the validation pass per
row, and the peak RSS after the last piece (and after the 100th when there are more: the issue wants RSS after
1000 rows within 10 % of RSS after 100).

    render-bench --workloads W9              # or: python -m benchmarks.merge_bench [--rows N]
    python -m benchmarks.merge_bench --farm --rows 100   # POST /v1/batches, 2 workers on Redis drain it
    python -m benchmarks.merge_bench --farm --rows 1000 --no-fork   # over 100 rows: validated off the request

The farm run waits for a large batch's validation (over ``batch_sync_rows``: 202 ``validating``) before the
workers start, and samples each worker's own resident size when 100 jobs are ready and at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from .progress import Progress
from .results import Row, Sample, summarize
from .runner import peak_rss_kb, settle
from .workloads import FULL, Context

_CTX = mp.get_context("spawn")
KEY = "W9"
NAME = "merge-corporate-pdf"
TEMPLATE, PRODUCT = "corporate-logo-name", "mug-11oz"
INPUTS = f"design template {TEMPLATE} x N rows (name + title, one shared 600 px logo), {PRODUCT} CMYK PDF per row"
FIRST = ("Asha", "Ravi", "Mei", "Omar", "Zoë", "Kenji", "Priya", "Lars", "Ana", "Tom", "Li", "Sara", "José")
LAST = ("Rao", "Iyer", "Lin", "Haddad", "Müller", "Sato", "Nair", "Berg", "Souza", "Okafor", "Wei", "Cohen")
TITLES = ("Engineer", "Sales Lead", "Chief Financial Officer", "Designer", "Operations", "Head of People")


def rows(n: int) -> list[dict[str, str]]:
    """``n`` deterministic rows: every name differs."""
    return [
        {"name": f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}", "title": TITLES[i % len(TITLES)]}
        for i in range(n)
    ]


def logo_png(path: Path) -> Path:
    """A 600 px square logo (a ring and a bar): 254 dpi in the template's 60 mm box."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (600, 600), "white")
    d = ImageDraw.Draw(img)
    d.ellipse((60, 60, 540, 540), outline=(11, 57, 84), width=60)
    d.rectangle((270, 150, 330, 450), fill=(231, 111, 81))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return path


def _child(folder: str, n: int, out: Any) -> None:
    try:
        import render_engine

        base = Path(folder)
        photos = {"logo": "logo.png"}
        values = [{**r, "company": "Acme Tiles"} for r in rows(n)]
        t0 = time.perf_counter()
        for v in values:  # every row validated before anything renders (what merge and /v1/batches do)
            render_engine.fill_design_template(TEMPLATE, PRODUCT, v, photos, base_dir=base)
        out.put(("validated", time.perf_counter() - t0))
        for i, v in enumerate(values):
            c0, w0 = time.process_time(), time.perf_counter()
            try:
                done = render_engine.personalize(TEMPLATE, PRODUCT, v, photos, base / f"row-{i + 1:05d}.pdf",
                                                 format="pdf", base_dir=base)  # fmt: skip
                sample = Sample(time.perf_counter() - w0, time.process_time() - c0, len(done.data), dict(done.timings))
            except Exception as exc:
                sample = Sample(time.perf_counter() - w0, time.process_time() - c0, 0, {}, f"{exc!r}")
            out.put(("sample", sample))
            if i + 1 == 100 and n > 100:
                out.put(("rss100", peak_rss_kb()))
        out.put(("done", peak_rss_kb()))
    except BaseException:
        out.put(("crash", traceback.format_exc()))


def run_merge(ctx: Context, progress: Progress, n_rows: int | None = None) -> list[Row]:
    """The W9 row: median seconds per piece (the warm-up piece left out), peak RSS after the last."""
    n = n_rows or (100 if ctx.sizes == FULL else 3)
    folder = ctx.scratch / "w9"
    folder.mkdir(parents=True, exist_ok=True)
    logo_png(folder / "logo.png")
    settle(ctx.wait_idle_s, progress)
    progress.start(f"{KEY} {NAME} ({n} rows)", n)
    out = _CTX.Queue()
    proc = _CTX.Process(target=_child, args=(str(folder), n, out), daemon=True)
    t_start = time.perf_counter()
    proc.start()
    samples: list[Sample] = []
    validated = float("nan")
    rss100 = 0
    try:
        while True:
            tag, value = out.get(timeout=600)
            if tag == "crash":
                raise RuntimeError(value)
            if tag == "validated":
                validated = float(value)
            elif tag == "rss100":
                rss100 = int(value)
            elif tag == "sample":
                samples.append(value)
                progress.advance(1)
            else:
                rss = int(value)
                break
        proc.join(timeout=30)
    except (RuntimeError, OSError) as exc:
        progress.finish("FAILED")
        return [Row(KEY, KEY, NAME, INPUTS, "error", reason=f"{KEY}: {exc}")]
    wall = time.perf_counter() - t_start
    timed = samples[1:] if len(samples) > 1 else samples  # the first piece warms the process up
    ours = summarize(timed, rss)
    failed = next((s.error for s in samples if s.error), None)
    note = (f"{n} rows: validated in {validated:.2f} s ({validated / n * 1000:.1f} ms a row); "
            f"{n} pieces in {wall:.1f} s end to end (process start, validation, warm-up included)")  # fmt: skip
    if rss100:  # the issue: RSS after 1000 rows within 10 % of RSS after 100
        note += f"; peak RSS after 100 pieces {rss100 / 1024:.0f} MB, after {n} {rss / 1024:.0f} MB"
    progress.finish(f"p50 {ours.p50_s * 1000:8.1f} ms a piece  RSS {ours.peak_rss_mb:6.0f} MB  {note}")
    return [Row(KEY, KEY, NAME, INPUTS, "error" if failed else "ok", reason=failed or note, ours=ours)]


def run_merge_farm(n: int, workers: int = 2, fork: bool = True) -> dict[str, Any]:
    """The same order through the farm: ``POST /v1/batches`` (the API in-process, as W7 posts its jobs) with
    ``n`` rows, then ``workers`` ``render-engine worker --burst`` processes on real Redis (database 14) drain
    it. Returns the posting time, the farm's wall time (workers' start to the last exit), pieces per second,
    the per-piece render time from the job records (``finished_at - started_at``) and the workers' peak RSS."""
    import shutil
    import subprocess
    import warnings

    from render_engine.farm.settings import ServiceSettings
    from render_engine.farm.store import open_job_store
    from render_engine.testing.farm import delete_keys

    from .farm_load import PU_KEY, ROOT, SF_KEY, WORKER_TIMEOUT_S, new_prefix, redis_problem, redis_url, wait_all
    from .farm_load import worker_env as farm_env

    url = redis_url()
    if (problem := redis_problem(url)) is not None:
        raise RuntimeError(f"needs Redis at {url}: {problem}")
    prefix = new_prefix()
    with tempfile.TemporaryDirectory(prefix="render-bench-w9-farm-") as tmp:
        root = Path(tmp) / "storage"
        settings = ServiceSettings(
            storage_root=root, storage="local", job_store_url=None, redis_url=url, queue_prefix=prefix,
            api_keys=f"storefront:{SF_KEY},print-unit:{PU_KEY}",
        )  # fmt: skip
        procs: list[subprocess.Popen[bytes]] = []
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from fastapi.testclient import TestClient

                from api.app import create_app

                with TestClient(create_app(settings)) as c:
                    h = {"X-API-Key": SF_KEY}
                    up = c.post("/v1/assets", content=logo_png(Path(tmp) / "logo.png").read_bytes(), headers=h)
                    logo = {"asset_id": up.json()["asset_id"]}
                    body = {"design_template": TEMPLATE, "product": PRODUCT, "rows": rows(n),
                            "values": {"company": "Acme Tiles"}, "photos": {"logo": logo},
                            "outputs": {"formats": ["pdf"], "proof": False}}  # fmt: skip
                    t0 = time.perf_counter()
                    r = c.post("/v1/batches", json=body, headers=h)
                    posted = time.perf_counter() - t0
                    if r.status_code != 202:
                        raise RuntimeError(f"POST /v1/batches: HTTP {r.status_code}: {r.text[:300]}")
                    # over batch_sync_rows (100) rows the API answers `validating` at once and its validator
                    # checks the rows off the request: wait for the jobs (the workers render, not validate)
                    status = c.get(r.json()["url"], headers=h).json()
                    while status["state"] == "validating" and time.perf_counter() - t0 < WORKER_TIMEOUT_S:
                        time.sleep(0.2)
                        status = c.get(r.json()["url"], headers=h).json()
                    validated = time.perf_counter() - t0
                    ids = [j["job_id"] for j in status["jobs"]]
                    if len(ids) != n:
                        raise RuntimeError(f"the batch has {len(ids)} jobs for {n} rows (state {status['state']})")
            env = farm_env(url, root, prefix) | {"RENDER_ENGINE_WORKER_BATCH_VALIDATOR": "false"}
            t0 = time.perf_counter()
            for k in range(workers):
                with open(Path(tmp) / f"worker-{k}.log", "wb") as err:
                    procs.append(subprocess.Popen(
                        [sys.executable, "-m", "render_engine.cli", "worker", "--burst", "--name", f"w9-{k}",
                         *([] if fork else ["--no-fork"]), "--log-level", "WARNING"],
                        env=env, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=err,
                    ))  # fmt: skip
            store = open_job_store(None, root)
            rss: dict[str, float] = {}  # a worker process's own resident MB (the mean over the workers)

            def sample() -> None:
                kb = [_rss_kb(p.pid) for p in procs]  # no poll(): wait_all reaps them (wait4)
                if not all(kb):
                    return  # one has exited (its queue drained): not comparable any more
                ready = store.counts().get("ready", 0)
                if ready >= min(100, n) and "after_100" not in rss:
                    rss["after_100"] = sum(kb) / len(kb) / 1024
                rss["last"], rss["last_ready"] = sum(kb) / len(kb) / 1024, ready  # after ~n pieces

            codes, cpu, peak, t_end = wait_all(procs, max(WORKER_TIMEOUT_S, 3.0 * n), sample)
            recs = [store.get(j) for j in ids]
        finally:
            with contextlib.suppress(Exception):
                delete_keys(url, prefix)
            shutil.rmtree(root, ignore_errors=True)
    took = [
        r.finished_at - r.started_at
        for r in recs
        if r is not None and r.state == "ready" and r.started_at is not None and r.finished_at is not None
    ]
    wall = t_end - t0
    return {"rows": n, "workers": workers, "fork": fork, "post_s": posted, "validated_s": validated,
            "rss_after_100_mb": rss.get("after_100", float("nan")), "rss_last_mb": rss.get("last", float("nan")),
            "rss_last_ready": int(rss.get("last_ready", 0)),
            "wall_s": wall, "ready": len(took),
            "pieces_per_s": len(took) / wall, "render_p50_s": statistics.median(took) if took else float("nan"),
            "cpu_s": cpu, "peak_rss_mb": peak / 1024, "exit_codes": sorted(set(codes.values()))}  # fmt: skip


def _rss_kb(pid: int) -> int:
    """Resident kB of one process (a worker; with forked horses, not theirs); 0 once it is gone or a zombie."""
    with contextlib.suppress(OSError, ValueError, IndexError, StopIteration):
        line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1])
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run W9 alone and print the medians (the full report: ``render-bench --workloads W9``)."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.merge_bench", description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100)
    ap.add_argument("--farm", action="store_true", help="through POST /v1/batches and 2 workers on Redis instead")
    ap.add_argument("--no-fork", action="store_true", help="--farm with `render-engine worker --no-fork`")
    args = ap.parse_args(argv)
    if args.farm:
        got = run_merge_farm(args.rows, fork=not args.no_fork)
        print(f"{KEY} farm: {got['rows']} rows posted in {got['post_s']:.1f} s, jobs created (rows checked) after "
              f"{got['validated_s']:.1f} s; {got['ready']} ready in "
              f"{got['wall_s']:.1f} s on {got['workers']} workers{'' if got['fork'] else ' (--no-fork)'} "
              f"({got['pieces_per_s']:.2f} pieces/s, "
              f"{got['pieces_per_s'] / got['workers']:.2f} per worker); render p50 "
              f"{got['render_p50_s'] * 1000:.0f} ms a piece; worker CPU {got['cpu_s']:.1f} s; peak RSS "
              f"{got['peak_rss_mb']:.0f} MB; a worker's own RSS {got['rss_after_100_mb']:.0f} MB when 100 were ready, "
              f"{got['rss_last_mb']:.0f} MB when {got['rss_last_ready']} were; exits {got['exit_codes']}")  # fmt: skip
        return 0 if got["ready"] == got["rows"] else 1
    from .inputs import PhotoCache

    with tempfile.TemporaryDirectory(prefix="render-bench-w9-") as tmp:
        inputs = Path(tempfile.gettempdir()) / "render-bench-inputs"
        ctx = Context(scratch=Path(tmp), photos=PhotoCache(inputs), sizes=FULL, templates={}, runs=1, workers=1,
                      batch_size=1, calibration_runs=1, wait_idle_s=0.0, compare_peer=False)  # fmt: skip
        (row,) = run_merge(ctx, Progress(enabled=True), args.rows)
        if row.ours is None:
            print(row.reason)
            return 1
        pdfs = sorted(Path(tmp, "w9").glob("row-*.pdf"))
        print(f"{KEY} {args.rows} rows -> {len(pdfs)} PDFs; per piece p50 {row.ours.p50_s * 1000:.1f} ms, "
              f"p95 {row.ours.p95_s * 1000:.1f} ms, mean {statistics.fmean(row.ours.walls_s) * 1000:.1f} ms, "
              f"CPU p50 {row.ours.cpu_s * 1000:.0f} ms; {row.ours.throughput_per_s:.2f} pieces/s on one core; "
              f"peak RSS {row.ours.peak_rss_mb:.0f} MB; {row.reason}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
