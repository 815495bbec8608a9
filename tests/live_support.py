"""A live ``render-engine serve`` for hostile-input tests (uvicorn parses the HTTP) and a tiny HTTP client.

Import the fixture into a test module (``from tests.live_support import live``) to use it there."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.toolkit import PRINT_UNIT, STOREFRONT

SF, PU = STOREFRONT, PRINT_UNIT
S = {"X-API-Key": SF}


@contextmanager
def serving(root: Path, **env: str) -> Iterator[int]:
    """``render-engine serve`` in a process of its own over the storage folder ``root`` (its port), with the
    storefront and print-unit keys, no Redis, and ``env`` (``RENDER_ENGINE_…`` settings) on top."""
    from tests.net_support import free_port, wait_until_answers

    port = free_port()
    env = {**os.environ, "RENDER_ENGINE_STORAGE_ROOT": str(root), "RENDER_ENGINE_API_KEYS":
           f"storefront:{SF},print-unit:{PU}", "RENDER_ENGINE_REDIS_URL": "", **env}  # fmt: skip
    env.pop("PYTEST_CURRENT_TEST", None)  # a long parametrized test id there made exec fail (E2BIG)
    code = f"from render_engine.cli.main import main; raise SystemExit(main(['serve', '--port', '{port}']))"
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip

    def answers() -> bool:
        try:
            return call(port, "GET", "/healthz")[0] == 200
        except OSError:
            return False

    try:
        wait_until_answers(answers, proc, "render-engine serve", timeout=120)
        yield port
    finally:
        proc.terminate()
        proc.wait(30)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """``render-engine serve`` in a process of its own, no embedded render thread (nothing here needs a render)."""
    with serving(tmp_path_factory.mktemp("live4"), RENDER_ENGINE_EMBEDDED_WORKERS="0") as port:
        yield port


def call(
    port: int, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], float]:
    """(status, JSON body or {}, seconds) of one request on a fresh connection."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    t0 = time.perf_counter()
    c.request(method, path, body=body, headers={**S, **(headers or {})})
    r = c.getresponse()
    raw = r.read()
    c.close()
    try:
        out = json.loads(raw) if raw else {}
    except ValueError:
        out = {"raw": raw[:200]}
    return r.status, out if isinstance(out, dict) else {"value": out}, time.perf_counter() - t0


def post_json(port: int, path: str, body: Any) -> tuple[int, dict[str, Any], float]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return call(port, "POST", path, raw, {"Content-Type": "application/json"})


def upload(port: int, data: bytes, options: dict[str, Any]) -> tuple[int, dict[str, Any], float]:
    boundary = "----hostile4"
    parts = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="rows.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n".encode() + data + b"\r\n"
        + f'--{boundary}\r\nContent-Disposition: form-data; name="options"\r\n\r\n'.encode()
        + json.dumps(options).encode() + f"\r\n--{boundary}--\r\n".encode()
    )  # fmt: skip
    ctype = f"multipart/form-data; boundary={boundary}"
    return call(port, "POST", "/v1/batches/upload", parts, {"Content-Type": ctype})
