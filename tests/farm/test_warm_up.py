"""What a forking worker prepares before its first fork (:func:`render_engine.farm.worker.warm_up`), checked in
a fresh interpreter (the test process itself has built most models already, which would hide a miss):

* every engine pydantic model whose build is deferred has its validator before the fork, so a work horse
  validating a design builds no schema (it did, per horse: ~40 % of a mug piece's CPU under cProfile);
* the worker's objects are frozen out of the garbage collector (``gc.freeze``), so a collection in the horse
  does not write to, and copy, the pages it shares with the worker;
* the exact colour table the worker maps is spot-checked once, in a child the worker forks for it (the worker
  runs no libvips), and horses use it unchecked; a damaged table is not trusted (each horse rebuilds it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyvips

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import gc, json, os
from pydantic import BaseModel
from render_engine.farm import worker
from render_engine.model.design import parse_design
from render_engine.testing.farm import mug_design

def incomplete():
    todo, out = list(BaseModel.__subclasses__()), []
    while todo:
        c = todo.pop()
        todo.extend(c.__subclasses__())
        if c.__module__.startswith("render_engine.") and not c.__pydantic_complete__:
            out.append(c.__qualname__)
    return sorted(out)

got = {"deferred": incomplete(), "built": worker.build_model_schemas(), "after": incomplete()}
worker.freeze_for_fork()
got["frozen"] = gc.get_freeze_count()
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    design = parse_design(mug_design("a" * 64, "Ada"))
    os.write(w, json.dumps({"template": design.template, "incomplete": incomplete()}).encode())
    os._exit(0)
os.close(w)
_, status = os.waitpid(pid, 0)
got["horse"] = json.loads(os.read(r, 1 << 16))
got["horse_exit"] = os.waitstatus_to_exitcode(status)
print(json.dumps(got))
"""


def test_models_are_built_and_objects_frozen_before_the_fork() -> None:
    env = os.environ | {"PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, cwd=ROOT, capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    got = json.loads(out.stdout.decode().strip().splitlines()[-1])
    assert "Design" in got["deferred"], got["deferred"]  # the deferral is real: a horse would pay for it
    assert got["built"] == len(got["deferred"]), got
    assert got["after"] == []
    assert got["frozen"] > 10_000, got["frozen"]  # the imported modules and catalogs, not a handful
    assert got["horse_exit"] == 0
    assert got["horse"] == {"template": "mug-11oz", "incomplete": []}  # validated without building anything


TABLE = r"""
import json, os, random, sys, types
import pyvips
from render_engine import Engine
from render_engine.farm import worker
from render_engine.inputs import color_lut
from render_engine.model.settings import Settings

checks = []
valid = color_lut._valid
color_lut._valid = lambda table, convert: checks.append(1) or valid(table, convert)
engine = Engine(Settings(color_lut=True, color_cache_dir=sys.argv[1]))
conv = engine.icc.converter(None)  # the converter warm_up preloads and a job's PDF uses
got = {"mapped": conv.preload_table()}
got["trusted"] = worker.check_colour_table(types.SimpleNamespace(engine=engine))
got["checks_in_worker"] = len(checks)
noise = random.Random(19).randbytes(64 * 48 * 3)
r, w = os.pipe()
pid = os.fork()
if pid == 0:  # a work horse's first page
    img = pyvips.Image.new_from_memory(noise, 64, 48, 3, "uchar").copy(interpretation="srgb")
    table = conv.page_table([img])
    same = table is not None and table.convert(img).write_to_memory() == conv.image(img).cast("uchar").write_to_memory()
    os.write(w, json.dumps({"table": table is not None, "same_as_lcms": same, "checks": len(checks)}).encode())
    os._exit(0)
os.close(w)
os.waitpid(pid, 0)
got["horse"] = json.loads(os.read(r, 1 << 16))
print(json.dumps(got))
"""


def _table_run(lut_dir: Path) -> dict[str, object]:
    env = os.environ | {"PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    cmd = [sys.executable, "-c", TABLE, str(lut_dir)]
    out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, timeout=300)
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    got: dict[str, object] = json.loads(out.stdout.decode().strip().splitlines()[-1])
    return got


def test_the_colour_table_is_checked_once_in_a_child_not_in_every_horse(tmp_path: Path) -> None:
    import numpy as np

    from render_engine import Engine
    from render_engine.model.settings import Settings

    conv = Engine(Settings(color_lut=True, color_cache_dir=tmp_path)).icc.converter(None)
    page = [pyvips.Image.black(32, 24, bands=3).linear(1, [10, 120, 240]).cast("uchar").copy(interpretation="srgb")]
    conv.page_table(page)
    assert conv.page_table(page) is not None  # built and stored (a process's second page)
    got = _table_run(tmp_path)
    # mapped by the worker, checked by its child (not by the worker: no libvips there), used unchecked by a horse
    assert got == {"mapped": True, "trusted": True, "checks_in_worker": 0,
                   "horse": {"table": True, "same_as_lcms": True, "checks": 0}}  # fmt: skip

    path = next(tmp_path.glob("srgb-cmyk-*.npy"))
    table = np.load(path, mmap_mode="r+")
    table[:] = 0  # damaged: every colour prints as paper white
    table.flush()
    del table
    got = _table_run(tmp_path)
    # the child says no: not trusted; the horse checks it itself, finds it wrong and rebuilds it (as before)
    assert got == {"mapped": True, "trusted": False, "checks_in_worker": 0,
                   "horse": {"table": True, "same_as_lcms": True, "checks": 1}}  # fmt: skip
