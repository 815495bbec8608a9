"""Small pieces the real-service fixtures share (Redis, PostgreSQL, S3, the API server): a free loopback
port, and waiting for a freshly started server to answer."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_answers(
    answers: Callable[[], bool], proc: subprocess.Popen[bytes], what: str, timeout: float = 10
) -> None:
    """Poll ``answers()`` every 50 ms until it is true; RuntimeError when ``proc`` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while not answers():
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited at start (status {proc.returncode})")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not answer within {timeout:g} s")
        time.sleep(0.05)
