"""The thread count a render uses, per workload (``render_threads``, :mod:`render_engine.inputs.tuning`).

A real ``render-engine worker --burst`` against real Redis runs a probe job (:func:`render_engine.testing.farm.
thread_probe`) that reads libvips' concurrency back from libvips and counts the page-image pool's threads after
using them: a farm process renders on 1 thread by default (forked work horse and ``--no-fork``), the
operator's ``VIPS_CONCURRENCY`` is kept when the setting is unset, ``RENDER_ENGINE_RENDER_THREADS`` wins over
both. A fresh process with an :class:`~render_engine.Engine` (as ``render-engine render`` and programs build
one) keeps libvips' default unless the setting is given.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.redis_support import delete_keys, new_prefix, redis_server

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIPS_CONCURRENCY", "RENDER_ENGINE_RENDER_THREADS")}
    return env | {"PYTHONPATH": str(ROOT)} | extra


def _probe_in_worker(url: str, tmp: Path, no_fork: bool, **extra: str) -> dict[str, Any]:
    from redis import Redis
    from rq.serializers import JSONSerializer

    from render_engine.farm.taking import stamped_queue_class
    from render_engine.testing.farm import thread_probe

    prefix = new_prefix()
    queue = stamped_queue_class(prefix)(f"{prefix}standard", connection=Redis.from_url(url), serializer=JSONSerializer)
    try:
        job = queue.enqueue(thread_probe, job_timeout=120)
        env = _env(REDIS_URL=url, RENDER_ENGINE_QUEUE_PREFIX=prefix, RENDER_ENGINE_STORAGE_ROOT=str(tmp / prefix),
                   RENDER_ENGINE_WORKER_BATCH_VALIDATOR="false", **extra)  # fmt: skip
        argv = [sys.executable, "-m", "render_engine.cli", "worker", "--burst", "--log-level", "WARNING"]
        out = subprocess.run(argv + (["--no-fork"] if no_fork else []), env=env, cwd=ROOT, capture_output=True,
                             timeout=300)  # fmt: skip
        assert out.returncode == 0, out.stderr.decode()[-3000:]
        job.refresh()
        result = job.return_value()
        assert isinstance(result, dict), (job.get_status(), job.exc_info, out.stderr.decode()[-3000:])
        return result
    finally:
        delete_keys(url, prefix)


def test_a_forked_work_horse_renders_on_one_thread_by_default(redis_url: str, tmp_path: Path) -> None:
    got = _probe_in_worker(redis_url, tmp_path, no_fork=False)
    assert got["vips_concurrency"] == 1, got
    assert got["pool_threads"] == 1, got
    assert got["libvips_threads"] >= 1, got  # libvips ran its pipeline on threads of its own


def test_no_fork_worker_keeps_the_operators_vips_concurrency(redis_url: str, tmp_path: Path) -> None:
    got = _probe_in_worker(redis_url, tmp_path, no_fork=True, VIPS_CONCURRENCY="3")
    assert got["vips_concurrency"] == 3, got
    assert got["pool_threads"] == max(2, os.cpu_count() or 2), got  # the page-image pool's own default


def test_the_setting_wins_over_vips_concurrency(redis_url: str, tmp_path: Path) -> None:
    got = _probe_in_worker(redis_url, tmp_path, no_fork=False, VIPS_CONCURRENCY="3", RENDER_ENGINE_RENDER_THREADS="2")
    assert got["vips_concurrency"] == 2, got
    assert got["pool_threads"] == 2, got


ENGINE = r"""
import json, sys
import pyvips
from render_engine import Engine, Settings
from render_engine.testing.farm import thread_probe
before = pyvips.concurrency_get()
Engine(Settings(**json.loads(sys.argv[1])))
print(json.dumps({"before": before, **thread_probe()}))
"""


@pytest.mark.parametrize(
    ("settings", "env", "vips", "pool"),
    [
        ({}, {}, None, None),  # libvips' default and the pool's: one thread per core (at least 2 in the pool)
        ({"render_threads": 1}, {}, 1, 1),
        ({}, {"RENDER_ENGINE_RENDER_THREADS": "3"}, 3, 3),
        ({"render_threads": 0}, {"VIPS_CONCURRENCY": "3"}, 3, None),
    ],
)
def test_an_engine_keeps_libvips_default_unless_the_setting_is_given(
    settings: dict[str, int], env: dict[str, str], vips: int | None, pool: int | None
) -> None:
    out = subprocess.run([sys.executable, "-c", ENGINE, json.dumps(settings)], env=_env(**env), cwd=ROOT,
                         capture_output=True, timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr.decode()[-3000:]
    got = json.loads(out.stdout.decode().strip().splitlines()[-1])
    assert got["vips_concurrency"] == (got["before"] if vips is None else vips), got
    assert got["pool_threads"] == (pool or max(2, os.cpu_count() or 2)), got


ARENAS = r"""
import ctypes, json, sys, threading
import pyvips
from render_engine import Engine, Settings
Engine(Settings(**json.loads(sys.argv[1])))
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = libc.open_memstream.restype = ctypes.c_void_p
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
start, keep = threading.Barrier(8), []

def work():
    start.wait()  # all eight allocate at once: glibc gives contending threads arenas of their own
    for _ in range(2000):
        keep.append(libc.malloc(4096))

threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
buf, size = ctypes.c_char_p(), ctypes.c_size_t()
stream = libc.open_memstream(ctypes.byref(buf), ctypes.byref(size))
libc.malloc_info(0, stream)
libc.fclose(stream)
print(json.dumps({"heaps": buf.value.decode().count("<heap nr="), "cache_mb": pyvips.cache_get_max_mem() / 2**20}))
"""


@pytest.mark.parametrize(
    ("settings", "heaps", "cache_mb"), [({}, 2, 16), ({"malloc_arena_max": 3, "vips_cache_mb": 5}, 3, 5)]
)
def test_an_engine_caps_malloc_arenas_and_the_libvips_cache(
    settings: dict[str, int], heaps: int, cache_mb: int
) -> None:
    """Read back from glibc (``malloc_info`` lists the arenas) and libvips, after eight threads allocated at once."""
    out = subprocess.run([sys.executable, "-c", ARENAS, json.dumps(settings)], env=_env(), cwd=ROOT,
                         capture_output=True, timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr.decode()[-3000:]
    got = json.loads(out.stdout.decode().strip().splitlines()[-1])
    assert got == {"heaps": heaps, "cache_mb": cache_mb}, got
