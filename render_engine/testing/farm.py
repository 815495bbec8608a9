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
