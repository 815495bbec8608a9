"""What a forking worker prepares before its first fork (:func:`render_engine.farm.worker.warm_up`), checked in
a fresh interpreter (the test process itself has built most models already, which would hide a miss):

* every engine pydantic model whose build is deferred has its validator before the fork, so a work horse
  validating a design builds no schema (it did, per horse: ~40 % of a mug piece's CPU under cProfile);
* the worker's objects are frozen out of the garbage collector (``gc.freeze``), so a collection in the horse
  does not write to, and copy, the pages it shares with the worker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
