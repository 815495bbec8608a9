"""``render-bench``: how fast the engine renders real batches, side by side with a Pillow + ReportLab baseline.

    render-bench                                  # every workload, 5 timed runs each (+1 warm-up)
    render-bench --workloads W1,W4 --runs 9 --json new.json --compare old.json --chart chart.png
    render-bench --quick --runs 1                 # tiny inputs: a smoke test in seconds
    render-bench --from-json new.json --compare old.json   # no run: re-print, compare, chart a saved result

Exit codes: 0 every selected workload ran (or was skipped as not available yet); 1 a workload failed (its
traceback and design are in the table's ERROR line and the JSON file); 2 bad command-line usage.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from .chart import render_chart
from .inputs import PhotoCache, geometry_of
from .machine import machine_info, now_utc
from .progress import Progress
from .report import compare, evaluate_targets, table, target_lines
from .results import Report
from .suite import run_suite
from .workloads import FULL, QUICK, WORKLOAD_IDS, Context

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="render-bench",
        description="Benchmark the render engine on fixed workloads, with a Pillow + ReportLab baseline.",
        epilog=f"workloads: {', '.join(WORKLOAD_IDS)} (see benchmarks/README.md)",
    )
    p.add_argument("--workloads", default=",".join(WORKLOAD_IDS), help="comma-separated, e.g. W1,W4 (default: all)")
    p.add_argument("--runs", type=_positive, default=5, help="timed renders per workload, after 1 warm-up (default 5)")
    p.add_argument("--quick", action="store_true", help="tiny inputs and low DPI: a smoke test, not a measurement")
    p.add_argument("--workers", type=_positive, default=os.cpu_count() or 1, help="W5 processes (default: 1 per core)")
    p.add_argument("--batch-size", type=_positive, help="designs per W5 batch (default 200; --quick: 8)")
    p.add_argument("--calibration-runs", type=_positive, help="timed runs per W5 design kind (default 3; --quick: 1)")
    p.add_argument("--no-baseline", action="store_true", help="skip the Pillow + ReportLab baseline")
    p.add_argument("--json", type=Path, metavar="OUT.json", help="write the results (and machine info) here")
    p.add_argument("--compare", type=Path, metavar="OLD.json", help="print new/old ratios against an earlier result")
    p.add_argument("--chart", type=Path, metavar="CHART.png", help="draw latency and per-step charts into a PNG")
    p.add_argument("--chart-size", type=_size, default=(1200, 800), metavar="WxH", help="chart size (default 1200x800)")
    p.add_argument("--from-json", type=Path, metavar="RESULT.json", help="do not run: report on a saved result")
    p.add_argument("--inputs", type=Path, default=Path(tempfile.gettempdir()) / "render-bench-inputs",
                   help="cache of generated base photos (default: $TMPDIR/render-bench-inputs)")  # fmt: skip
    p.add_argument("--keep", type=Path, metavar="DIR", help="keep designs and outputs in DIR (default: a temp dir)")
    p.add_argument("--vips-concurrency", type=_positive, help="set VIPS_CONCURRENCY in every worker process")
    p.add_argument("--wait-idle", type=float, default=0.0, metavar="SECONDS",
                   help="before each measured process, wait up to SECONDS for idle CPUs (shared machines)")  # fmt: skip
    p.add_argument("--compare-peer", action="store_true",
                   help="R/C/T workloads: also render every design with the hand-written pyvips + img2pdf peer, "
                   "interleaved in this run, and print ours/peer ratios")  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return p


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError("expected WIDTHxHEIGHT, e.g. 1200x800") from None
    if w < 400 or h < 300:
        raise argparse.ArgumentTypeError("the chart needs at least 400x300 pixels")
    return w, h


def _loadavg() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def _workloads(text: str) -> list[str]:
    chosen = [w.strip().upper() for w in text.split(",") if w.strip()]
    unknown = [w for w in chosen if w not in WORKLOAD_IDS]
    if unknown or not chosen:
        raise ValueError(f"unknown workload(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(WORKLOAD_IDS)}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        selected = _workloads(args.workloads)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        report = Report.load(args.from_json) if args.from_json else _run(args, selected)
        old = Report.load(args.compare) if args.compare else None
    except (OSError, ValueError, KeyError) as exc:
        print(f"render-bench: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    print(table(report))
    print()
    print("\n".join(target_lines(report)))
    if args.json:
        if not report.config.get("quick"):
            report.targets = evaluate_targets(report)
        report.save(args.json)
        print(f"\nresults: {args.json}")
    if old is not None:
        print()
        print(compare(old, report))
    if args.chart:
        render_chart(report, args.chart, args.chart_size)
        print(f"chart: {args.chart}")
    return EXIT_FAILED if any(r.status == "error" for r in report.rows) else EXIT_OK


def _run(args: argparse.Namespace, selected: list[str]) -> Report:
    from render_engine.model.settings import Settings
    from render_engine.model.templates import TemplateCatalog

    if args.vips_concurrency:
        os.environ["VIPS_CONCURRENCY"] = str(args.vips_concurrency)  # inherited by the spawned workers
    settings = Settings()
    catalog = TemplateCatalog(settings.templates_dir).templates.values()
    templates = {t.id: geometry_of(t) for t in catalog if not t.is_multi}  # W5's one-surface designs; W8: books
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="render-bench-"))
    config = {
        "runs": args.runs,
        "quick": args.quick,
        "workers": args.workers,
        "batch_size": args.batch_size or (8 if args.quick else 200),
        "calibration_runs": args.calibration_runs or (1 if args.quick else 3),
        "workloads": selected,
        "baseline": not args.no_baseline,
        "vips_concurrency": args.vips_concurrency,
        "compare_peer": args.compare_peer,
        "loadavg_start": _loadavg(),  # other work on the machine skews wall times: look here first
    }
    ctx = Context(
        scratch=scratch,
        photos=PhotoCache(args.inputs),
        sizes=QUICK if args.quick else FULL,
        templates=templates,
        runs=args.runs,
        workers=args.workers,
        batch_size=config["batch_size"],
        calibration_runs=config["calibration_runs"],
        wait_idle_s=args.wait_idle,
        compare_peer=args.compare_peer,
    )
    created = now_utc()
    try:
        rows = run_suite(ctx, selected, Progress(enabled=not args.quiet), with_baseline=not args.no_baseline)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    return Report(created=created, machine=machine_info(), config=config, rows=rows)


if __name__ == "__main__":
    sys.exit(main())
