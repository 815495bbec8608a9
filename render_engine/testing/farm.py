"""Render-farm fixtures shared by the farm tests (tests/farm/test_worker.py, tests/redis_support.py) and the farm
benchmark (benchmarks/farm_load.py, W7): the job designs, a small photo, and the Redis key cleanup of a run."""

from __future__ import annotations

import io
from typing import Any


def delete_keys(url: str, prefix: str) -> int:
    """Delete every key whose name contains ``prefix`` (queues, RQ jobs and registries, workers, locks of this
    run) and this run's members of RQ's shared sets; nothing else."""
    from redis import Redis

    r = Redis.from_url(url)
    n = 0
    for key in r.scan_iter(match=f"*{prefix}*", count=1000):
        n += int(r.delete(key))
    for set_key in [*r.scan_iter(match="rq:workers*", count=100), b"rq:queues"]:
        if r.type(set_key) == b"set":
            for member in r.smembers(set_key):
                if prefix.encode() in member:
                    r.srem(set_key, member)
    return n


# ----------------------------------------------------------------------------------------------- designs


SMALL_PHOTO_ACCEPTED = [{"code": "image.resolution_too_low", "reason": "farm load: small photos keep renders fast"}]
"""Farm jobs use small photos on purpose; POST /v1/jobs refuses a preflight blocker unless it is accepted."""


def mug_design(asset_id: str, text: str) -> dict[str, Any]:
    return {
        "version": 1,
        "template": "mug-11oz",
        "layers": [
            {"type": "image", "asset_id": asset_id, "box": {"x": -2, "y": -2, "width": 232.6, "height": 92.9},
             "fit": "cover"},
            {"type": "text", "text": text, "font": {"family": "noto-sans", "weight": 700}, "size": 14,
             "color": "#ffffff", "box": {"x": 20, "y": 66, "width": 188.6, "height": 12}, "align": "center"},
        ],
    }  # fmt: skip


def coaster_design(asset_id: str, text: str) -> dict[str, Any]:
    return {
        "version": 1,
        "template": "coaster-95-round",
        "layers": [
            {"type": "image", "asset_id": asset_id, "box": {"x": -3, "y": -3, "width": 101, "height": 101},
             "fit": "cover"},
            {"type": "text", "text": text, "font": {"family": "noto-sans", "weight": 700}, "size": 14,
             "color": "#ffffff", "box": {"x": 10, "y": 40, "width": 75, "height": 15}, "align": "center"},
        ],
    }  # fmt: skip


def small_photo() -> bytes:
    """A 320x320 JPEG (a gradient): decodes in milliseconds."""
    from PIL import Image

    img = Image.new("RGB", (320, 320))
    img.putdata([(x * 255 // 319, y * 255 // 319, 128) for y in range(320) for x in range(320)])
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


# ----------------------------------------------------------------------------------------------- threads


def thread_probe() -> dict[str, Any]:
    """An RQ job for tests/farm/test_render_threads.py: the thread counts the process that runs it renders with,
    read back from libvips (``vips_concurrency_get``) and from the page-image pool's threads after a libvips
    pipeline and eight pool jobs ran (each waits 20 ms, so a pool of n threads runs them on n threads)."""
    import os
    import threading
    import time

    import pyvips

    from ..backends import ahead

    def name() -> str:
        time.sleep(0.02)
        return threading.current_thread().name

    pyvips.Image.black(1200, 900).gaussblur(2).avg()  # a threaded libvips pipeline, as a render runs
    pool = {job.result(timeout=60) for job in [ahead.submit(name) for _ in range(8)]}
    libvips_threads = 0
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/comm") as f:
                libvips_threads += f.read().strip() == "libvips worker"
        except OSError:  # the thread ended meanwhile
            pass
    return {"vips_concurrency": int(pyvips.concurrency_get()), "pool_threads": len(pool),
            "libvips_threads": libvips_threads, "pid": os.getpid()}  # fmt: skip
