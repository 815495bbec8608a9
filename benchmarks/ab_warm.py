"""Warm A/B of two (or more) source trees on one order, interleaved as render-bench R renders it:
``python -m benchmarks.ab_warm TREE_A TREE_B [--order R1] [--renders 20] [--peer]``.

Each tree gets one warm worker process (``PYTHONPATH=TREE``, the public API as render-bench's engine worker
calls it; ``TREE|NAME=VALUE`` adds an environment variable, e.g. ``VIPS_CONCURRENCY=1``), and with ``--peer``
the hand-written pyvips + img2pdf peer gets one too. The parent hands them new designs (new files every render)
in alternation, reversing the order every round, and prints per worker the lower quartile and median of wall
and process CPU, minor faults and voluntary context switches per render (the first render is a warm-up).

Run it under ``chrt -f 10`` on a shared machine (see "Noise" in benchmarks/README.md) and repeat it: a change
is read only when every set moves the same way (issue 22, round 6).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

# the child, run with ``python -c`` in the tree under test (so a tree older than this module works too): renders
# the jobs read from stdin (one JSON a line), answers wall, CPU, minor faults and voluntary context switches
_WORKER = """
import json, resource, sys, time
from pathlib import Path
from benchmarks.jobs import Job
from benchmarks.renderers import make_renderer
render = make_renderer(sys.argv[1])
print("ready", flush=True)
for line in sys.stdin:
    d = json.loads(line)
    job = Job(Path(d["design"]), Path(d["out"]), fmt=d.get("fmt"), width=d.get("width"))
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    c0, t0 = time.process_time(), time.perf_counter()
    render(job)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps([wall, cpu, r1.ru_minflt - r0.ru_minflt, r1.ru_nvcsw - r0.ru_nvcsw]), flush=True)
"""


def _spawn(kind: str, spec: str) -> subprocess.Popen[str]:
    tree, *pairs = spec.split("|")
    env = dict(os.environ, PYTHONPATH=tree, **dict(p.split("=", 1) for p in pairs))
    argv = [sys.executable, "-c", _WORKER, kind]
    proc = subprocess.Popen(argv, cwd=tree, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    if proc.stdout.readline().strip() != "ready":
        raise SystemExit(f"worker for {spec} did not start")
    return proc


def _ask(proc: subprocess.Popen[str], job: dict[str, Any]) -> list[float]:
    stdin, stdout = proc.stdin, proc.stdout
    assert stdin is not None and stdout is not None
    stdin.write(json.dumps(job) + "\n")
    stdin.flush()
    answer: list[float] = json.loads(stdout.readline())
    return answer


def _q25(values: list[float]) -> float:
    return sorted(values)[len(values) // 4]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.ab_warm", description=__doc__.splitlines()[0])
    p.add_argument("trees", nargs="+", help="source trees (TREE or TREE|NAME=VALUE)")
    p.add_argument("--order", default="R1", help="order key (benchmarks/orders.py), default R1")
    p.add_argument("--renders", type=int, default=20, help="renders per worker, the first a warm-up")
    p.add_argument("--peer", action="store_true", help="interleave the pyvips + img2pdf peer too")
    args = p.parse_args(argv)

    from .inputs import PhotoCache
    from .orders import FORMATS, ORDERS, order_designs
    from .workloads import FULL, Context

    order, n = ORDERS[args.order], args.renders
    scratch = Path(tempfile.mkdtemp(prefix="ab-warm-"))
    ctx = Context(scratch, PhotoCache(Path(tempfile.gettempdir()) / "render-bench-inputs"), FULL, {}, n, 1, 1, 1)
    fmt = FORMATS.get(args.order, "pdf")
    names = [f"T{i}" for i in range(len(args.trees))] + (["peer"] if args.peer else [])
    procs = [_spawn("api", t) for t in args.trees] + ([_spawn("peer", args.trees[0])] if args.peer else [])
    designs = {name: order_designs(ctx, order, n, f"-{name}") for name in names}
    samples: dict[str, list[list[float]]] = {name: [] for name in names}
    try:
        for i in range(n):
            for name in names if i % 2 == 0 else list(reversed(names)):
                out = scratch / f"out-{name}"
                out.mkdir(exist_ok=True)
                job: dict[str, Any] = {"design": str(designs[name][i]), "out": str(out)}
                job.update({"width": ctx.sizes.preview_width} if fmt is None else {"fmt": fmt})
                answer = _ask(procs[names.index(name)], job)
                if i:
                    samples[name].append(answer)
    finally:
        for proc in procs:
            stdin: IO[str] | None = proc.stdin
            if stdin is not None:
                stdin.close()
            proc.wait(timeout=60)
    for name, spec in zip(names, [*args.trees, "peer"], strict=False):
        v = samples[name]
        walls, cpus = [x[0] * 1000 for x in v], [x[1] * 1000 for x in v]
        print(
            f"{args.order} {name:4} wall q25 {_q25(walls):6.1f} p50 {statistics.median(walls):6.1f} ms | "
            f"CPU q25 {_q25(cpus):6.1f} p50 {statistics.median(cpus):6.1f} ms | "
            f"minflt {statistics.median(x[2] for x in v):5.0f} vcsw {statistics.median(x[3] for x in v):4.0f}  {spec}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
