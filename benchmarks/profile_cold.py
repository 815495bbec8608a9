"""Where a fresh ``render-engine render`` process spends its CPU (issue 22, workload C1).

    render-bench --workloads C --runs 1 --no-baseline --keep /tmp/c1     # R1's design and new inputs
    python -m compileall -q render_engine                                 # as an installed wheel is
    python -m benchmarks.profile_cold /tmp/c1/r1-cold/design-000.json --runs 5

Each run is a new interpreter that imports the engine stage by stage and renders the design through the
command line's ``main`` (one PDF), noting the process CPU time (all threads: ``time.process_time``) after each
stage, each pydantic schema build, and when the page's image work starts and is collected. Printed: medians
over the runs, and the process's total CPU (user + sys) and peak RSS from ``wait4``. CPU, not wall time: on a
shared machine the wall clock measures the scheduler.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

STAGES = (
    ("pydantic", "import pydantic; from pydantic import BaseModel"),
    ("pyvips", "import pyvips"),
    ("model.settings", "import render_engine.model.settings"),
    ("model.design", "import render_engine.model.design"),
    ("model.templates", "import render_engine.model.templates"),
    ("cli, engine, layout modules", "import render_engine.cli.main"),
)


def child(design: str, out: str, library: bool, early: bool = True) -> None:
    """One cold render, stage by stage; prints a JSON line of CPU ms. Unless ``library``, the collector is
    handled as ``render_engine.cli`` does when it is the program (paused for the imports, frozen after them and
    at exit); unless ``early`` is false, the design's image work starts first, as the program does
    (:mod:`render_engine.backends.early`)."""
    import atexit
    import gc

    pt = time.process_time
    if not library:
        gc.disable()
    marks: dict[str, float] = {"interpreter + site": pt()}
    builds: dict[str, float] = {}
    last = pt()
    argv = ["render", design, "--out", out, "--quiet"]
    if early:
        from render_engine.backends.early import start_from_argv

        started = start_from_argv(argv)
        marks[f"early start of {started} image(s) (pyvips, guess)"], last = pt() - last, pt()
    import pydantic._internal._model_construction as construction

    complete = construction.complete_model_class

    def timed(cls: Any, *args: Any, **kwargs: Any) -> Any:
        t = pt()
        try:
            return complete(cls, *args, **kwargs)
        finally:
            builds[cls.__qualname__] = builds.get(cls.__qualname__, 0.0) + pt() - t

    construction.complete_model_class = timed
    for name, code in STAGES:
        exec(code)
        marks[name], last = pt() - last, pt()
    if not library:
        gc.freeze()
        gc.enable()
        atexit.register(gc.freeze)
    from render_engine.backends import pdf_images

    init, result = pdf_images.PageImages.__init__, pdf_images.PageImages.result
    events: dict[str, float] = {}

    def start(self: Any, *args: Any, **kwargs: Any) -> None:
        events.setdefault("images start", time.thread_time())
        init(self, *args, **kwargs)

    def collect(self: Any, item: Any) -> Any:
        if "main thread waits for images" not in events:
            events["main thread waits for images"] = time.thread_time()
            jobs = [*self._jobs.values(), *(job for job, *_ in self._early.values())]
            events["image jobs running at the first wait"] = sum(not j.done() for j in jobs) / 1000
        return result(self, item)

    pdf_images.PageImages.__init__ = start  # type: ignore[method-assign]
    pdf_images.PageImages.result = collect  # type: ignore[method-assign]
    main = sys.modules["render_engine.cli.main"].main
    t0, main0 = pt(), time.thread_time()
    code = main(argv)
    marks["render (all threads)"] = pt() - t0
    marks["  of it: main thread"] = time.thread_time() - main0
    if "images start" in events:  # parse, resolve, layout, then the image work starts on the pool
        marks["  main thread before images start"] = events["images start"] - main0
    if "main thread waits for images" in events:  # preflight, the PDF writer's imports, text, while they run
        marks["  main thread, images start -> wait"] = events["main thread waits for images"] - events["images start"]
        marks["  image jobs running at the first wait"] = events["image jobs running at the first wait"]
    # the critical path on two idle cores once the images run beside it: the main thread's own CPU
    marks["main thread CPU, interpreter start to end of main"] = time.thread_time()
    marks["end of main (the rest is exit)"] = pt()
    ms = {k: round(v * 1000, 1) for k, v in marks.items()}
    print(json.dumps({"exit": code, "ms": ms, "builds": {k: round(v * 1000, 1) for k, v in builds.items()}}))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile_cold", description=__doc__.splitlines()[0])
    p.add_argument("design", type=Path)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--library", action="store_true", help="leave the garbage collector alone (as before issue 22)")
    p.add_argument("--no-early", action="store_true", help="no early image start (as before issue 22 round 5)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="profile-cold-") as out:
        if args.child:
            child(str(args.design), out, args.library, not args.no_early)
            return 0
        rows: list[dict[str, Any]] = []
        for _ in range(args.runs):
            argv = ["--child", str(args.design), *(["--library"] if args.library else []),
                    *(["--no-early"] if args.no_early else [])]  # fmt: skip
            proc = subprocess.Popen([sys.executable, "-m", "benchmarks.profile_cold", *argv],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # fmt: skip
            _, _, usage = os.wait4(proc.pid, 0)
            line = proc.stdout.read().decode().strip().splitlines()[-1] if proc.stdout else "{}"
            row = json.loads(line)
            row["total"], row["rss"] = (usage.ru_utime + usage.ru_stime) * 1000, usage.ru_maxrss / 1024
            row["ms"]["exit (finalization)"] = row["total"] - row["ms"].pop("end of main (the rest is exit)")
            rows.append(row)
    print(f"cold render of {args.design.name}: CPU ms, medians of {len(rows)} fresh processes "
          f"(load average {os.getloadavg()[0]:.1f})")  # fmt: skip
    for key in rows[0]["ms"]:
        print(f"  {key:40} {statistics.median(r['ms'].get(key, 0.0) for r in rows):7.1f}")
    print(f"  {'process total (user + sys, wait4)':40} {statistics.median(r['total'] for r in rows):7.1f}")
    print(f"  {'peak RSS MB':40} {statistics.median(r['rss'] for r in rows):7.1f}")
    print("pydantic schema builds (ms, median):")
    names = sorted({n for r in rows for n in r["builds"]}, key=lambda n: -statistics.median(
        r["builds"].get(n, 0.0) for r in rows))  # fmt: skip
    for n in names:
        print(f"  {n:40} {statistics.median(r['builds'].get(n, 0.0) for r in rows):7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
