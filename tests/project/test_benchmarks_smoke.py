"""Smoke test of ``render-bench``: every workload in ``--quick`` mode (tiny inputs), the JSON result, ``--compare``
and the chart; W7 (the render farm) against a real Redis. No timing assertions: this proves the tool works,
not how fast the engine is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from benchmarks.inputs import tagged_copy
from benchmarks.renderers import mockup_available
from tests.net_support import free_port
from tests.redis_support import redis_server

ROOT = Path(__file__).resolve().parents[2]
ROW_KEYS = ["W1", "W2", "W3", "W3-edit", "W4", "W5-mixed", "W5-mug", "W6", "W7-fork", "W7-nofork",
            "R1", "R2", "R3", "R4", "R5", "R6", "R7", "C1", "T1", "T1-vips1", "T1-worker",
            "W8", "W8-20p", "W8-100p", "P1", "W9", "K1", "K2"]  # fmt: skip
SUMMARY_KEYS = {
    "runs", "errors", "p50_s", "p95_s", "throughput_per_s", "cpu_s", "cpu_total_s", "peak_rss_mb", "output_bytes",
    "steps", "workers", "wall_s", "serial_sum_s", "parallel_efficiency",
}  # fmt: skip
ENGINE_STEPS = {"parse", "resolve", "layout", "draw", "write"}


def bench(*args: str, tmp: Path, redis_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    if redis_url is not None:
        env["REDIS_URL"] = redis_url
    cmd = [sys.executable, "-m", "benchmarks.cli", "--quick", "--quiet", "--inputs", str(tmp / "inputs"), *args]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], str]:
    tmp = tmp_path_factory.mktemp("bench")
    out, chart = tmp / "all.json", tmp / "chart.png"
    proc = bench("--runs", "1", "--compare-peer", "--json", str(out), "--chart", str(chart), "--chart-size", "900x640",
                 tmp=tmp)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return tmp, json.loads(out.read_text(encoding="utf-8")), proc.stdout


def test_every_workload_reports_its_metrics(quick_run: tuple[Path, dict[str, Any], str]) -> None:
    _, data, stdout = quick_run
    assert data["schema"] == "render-bench/1"
    for key in ("cpu_model", "cores", "python", "pyvips", "libvips"):
        assert data["machine"][key], key
    assert data["config"]["quick"] is True
    rows = {r["key"]: r for r in data["rows"]}
    assert list(rows) == ROW_KEYS
    measured = ["W1", "W2", "W4", "W5-mixed", "W5-mug"] + (["W3", "W3-edit"] if mockup_available() else [])
    for key in measured:
        row = rows[key]
        assert row["status"] == "ok", row["reason"]
        assert SUMMARY_KEYS.issubset(row["ours"]), key
        assert ENGINE_STEPS.issubset(row["ours"]["steps"]), key
        assert row["ours"]["output_bytes"] > 0 and row["ours"]["peak_rss_mb"] > 0
    for key in ("W1", "W2", "W4"):  # the baseline runs side by side, with ratios
        assert SUMMARY_KEYS.issubset(rows[key]["baseline"])
        assert {"p50_s", "p95_s", "peak_rss_mb"}.issubset(rows[key]["ratios_ours_over_baseline"])
    for key in ("W5-mixed", "W5-mug"):
        assert rows[key]["ours"]["workers"] >= 1 and rows[key]["ours"]["parallel_efficiency"] > 0
    if not mockup_available():
        for key in ("W3", "W3-edit"):
            assert rows[key]["status"] == "skipped" and "not available yet" in rows[key]["reason"]
    w6 = rows["W6"]  # previews through a real `render-engine serve` on loopback
    assert w6["status"] == "ok", w6["reason"]
    assert w6["ours"]["runs"] > 0 and w6["ours"]["errors"] == 0 and w6["ours"]["output_bytes"] > 0
    assert {"healthz_p50", "healthz_p95"}.issubset(w6["ours"]["steps"])
    for key in ("W7-fork", "W7-nofork"):  # ran if a Redis answers at REDIS_URL; test_w7_farm checks it runs
        assert rows[key]["status"] in ("ok", "skipped"), rows[key]["reason"]
    assert "ours/baseline" in stdout and "W5-mug" in stdout


def test_real_orders_run_beside_the_pyvips_peer(quick_run: tuple[Path, dict[str, Any], str]) -> None:
    """Issue 22: the R rows (clip-art, SVG, two photos, a text card, Fabric) go through the public API, the
    peer renders the same designs in the same run (not Fabric), C1 times one process per render."""
    _, data, stdout = quick_run
    rows = {r["key"]: r for r in data["rows"]}
    for key in ("R1", "R2", "R3", "R4", "R5", "R6", "R7", "C1", "T1", "T1-vips1", "T1-worker"):
        assert rows[key]["status"] == "ok", rows[key]["reason"]
        assert rows[key]["ours"]["runs"] >= 1 and rows[key]["ours"]["errors"] == 0, key
    for key in ("R1", "R2", "R3", "R4", "R5", "R6", "C1", "T1"):
        assert rows[key]["baseline_label"] == "pyvips + img2pdf peer", key
        assert rows[key]["baseline"]["runs"] >= 1 and rows[key]["baseline"]["errors"] == 0, key
        assert rows[key]["ratios_ours_over_baseline"]["p50_s"] > 0, key
    assert rows["R7"]["baseline"] is None  # the peer reads no Fabric JSON
    for key in ("R1", "R2", "R4", "R5", "R6", "R7"):  # print files: the engine's own steps
        assert ENGINE_STEPS.issubset(rows[key]["ours"]["steps"]), key
    assert rows["C1"]["ours"]["peak_rss_mb"] > 0 and rows["C1"]["ours"]["cpu_s"] > 0
    assert rows["T1"]["ours"]["workers"] == 2 and rows["T1"]["ours"]["parallel_efficiency"] > 0
    assert "ours/peer" in stdout


def test_paint_cost_row_compares_with_the_flat_design(quick_run: tuple[Path, dict[str, Any], str]) -> None:
    """Issue 17's P1: the paint mug's PDF beside the same design in flat colours, same process."""
    _, data, _ = quick_run
    row = {r["key"]: r for r in data["rows"]}["P1"]
    assert row["status"] == "ok", row["reason"]
    assert row["baseline_label"] == "same design, flat colours"
    assert row["ours"]["errors"] == 0 and row["baseline"]["errors"] == 0
    assert row["ratios_ours_over_baseline"]["p50_s"] > 0


W7_STEPS = {"farm.startup", "farm.drain", "job.coaster", "job.mug", "png.write", "pdf.draw", "review.preflight",
            "review.proof"}  # fmt: skip


def test_w7_farm_runs_jobs_through_redis_and_real_workers(tmp_path: Path) -> None:
    """W7 --quick: a handful of jobs posted through the API, rendered by two `render-engine worker --burst`
    processes (forking, then --no-fork); every job ready, per-job times from the job store."""
    out = tmp_path / "w7.json"
    with redis_server() as url:
        proc = bench("--runs", "1", "--workloads", "W7", "--json", str(out), tmp=tmp_path, redis_url=url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    rows = {r["key"]: r for r in data["rows"]}
    assert list(rows) == ["W7-fork", "W7-nofork"]
    for key, row in rows.items():
        assert row["status"] == "ok", row["reason"]
        assert row["workload"] == "W7" and row["baseline"] is None
        ours = row["ours"]
        assert SUMMARY_KEYS.issubset(ours), key
        assert ours["runs"] == 5 and ours["errors"] == 0, key  # 4 coasters + 1 mug, one round
        assert ours["workers"] == 2 and ours["throughput_per_s"] > 0 and ours["wall_s"] > 0
        assert 0 < ours["p50_s"] <= ours["p95_s"] and len(ours["walls_s"]) == 5
        assert ours["cpu_total_s"] > 0 and ours["peak_rss_mb"] > 0 and ours["output_bytes"] > 0
        assert W7_STEPS.issubset(ours["steps"]), sorted(ours["steps"])
    assert "W7-fork" in proc.stdout and "2 workers" in proc.stdout


def test_w7_is_skipped_without_redis(tmp_path: Path) -> None:
    proc = bench("--workloads", "W7", tmp=tmp_path, redis_url=f"redis://127.0.0.1:{free_port()}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("skipped: needs Redis") == 2


def test_chart_is_a_png_of_the_requested_size(quick_run: tuple[Path, dict[str, Any], str]) -> None:
    tmp, _, _ = quick_run
    with Image.open(tmp / "chart.png") as im:
        im.load()
        assert (im.format, im.size) == ("PNG", (900, 640))


def test_compare_prints_ratios_between_two_result_files(quick_run: tuple[Path, dict[str, Any], str]) -> None:
    tmp, _, _ = quick_run
    second = tmp / "w1w4.json"
    proc = bench("--runs", "1", "--workloads", "W1,w4", "--no-baseline", "--json", str(second), tmp=tmp)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [r["key"] for r in json.loads(second.read_text())["rows"]] == ["W1", "W4"]
    proc = bench("--from-json", str(second), "--compare", str(tmp / "all.json"), tmp=tmp)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout[proc.stdout.index("compare: new/old") :].splitlines()
    assert any(line.startswith("W1") and "p50_s" in line for line in lines)
    assert any(line.startswith("W4") and "step write" in line for line in lines)


def test_unknown_workload_is_a_usage_error(tmp_path: Path) -> None:
    proc = bench("--workloads", "W99", tmp=tmp_path)
    assert proc.returncode == 2 and "unknown workload" in proc.stderr


def test_photo_copies_differ_in_bytes_not_in_pixels(tmp_path: Path) -> None:
    from render_engine.testing import synth

    src = synth.save_jpeg(synth.landscape(64, 48), tmp_path / "a.jpg")
    one, two = tagged_copy(src, tmp_path / "1.jpg", "1"), tagged_copy(src, tmp_path / "2.jpg", "2")
    assert len({src.read_bytes(), one.read_bytes(), two.read_bytes()}) == 3
    with Image.open(src) as a, Image.open(two) as b:
        assert a.tobytes() == b.tobytes()
