"""Real Redis for the farm tests (never a fake): ``REDIS_URL`` (default 127.0.0.1:6379) on database 13,
or a private ``redis-server`` on a free port when none answers. Tests touch only keys holding their own
prefix and delete exactly those."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from render_engine.testing.farm import delete_keys  # noqa: F401 - one implementation for tests and W7
from tests.net_support import free_port, wait_until_answers

TEST_DB = 13


def _answers(url: str) -> bool:
    from redis import Redis

    try:
        return bool(Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2).ping())
    except Exception:
        return False


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")
    base = re.sub(r"/\d+$", "", base.rstrip("/"))
    url = f"{base}/{TEST_DB}"
    if _answers(url):
        yield url
        return
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("no Redis answers and redis-server is not installed (scripts/check.sh installs it)")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/{TEST_DB}"
    try:
        wait_until_answers(lambda: _answers(url), proc, "private redis-server")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def new_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}-"
