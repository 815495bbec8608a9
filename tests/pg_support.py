"""Real PostgreSQL for the job-store tests (never a fake): ``TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``), or a private server (``initdb`` + ``postgres`` on a free port
in a temp folder) when none answers. Every test gets a schema of its own (``search_path`` in the URL) and
drops exactly that schema afterwards; nothing else in the database is touched.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    psycopg = pytest.importorskip("psycopg", reason="psycopg is in the dev extra (render-engine[postgres])")
    try:
        with psycopg.connect(url, connect_timeout=2) as c:
            c.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


@contextlib.contextmanager
def _private_server() -> Iterator[str]:
    """``initdb`` a throw-away cluster and run it on 127.0.0.1 (as the ``postgres`` user when we are root:
    PostgreSQL refuses to run as root)."""
    initdb, postgres = _pg_bin("initdb"), _pg_bin("postgres")
    if initdb is None or postgres is None:
        pytest.skip("no PostgreSQL answers and its server is not installed (scripts/check.sh installs it)")
    run_as: list[str] = []
    folder = tempfile.mkdtemp(prefix="render-pg-")
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            pytest.skip("no PostgreSQL answers, and as root a private server needs runuser and a postgres user")
        run_as = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres")
    data = os.path.join(folder, "data")
    subprocess.run(
        [*run_as, initdb, "-D", data, "-U", "postgres", "--auth=trust", "--no-sync"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    port = _free_port()
    proc = subprocess.Popen(
        [*run_as, postgres, "-D", data, "-p", str(port), "-k", folder, "-c", "listen_addresses=127.0.0.1", "-F"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    try:
        for _ in range(200):
            if _answers(url):
                break
            if proc.poll() is not None:
                raise RuntimeError("private PostgreSQL exited at start")
            time.sleep(0.05)
        else:
            raise RuntimeError("private PostgreSQL did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A PostgreSQL URL that answers: the configured one, else a private server for this session."""
    url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_URL)
    if _answers(url):
        yield url
        return
    with _private_server() as private:
        yield private


def with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-csearch_path={schema}')}"


@contextlib.contextmanager
def private_schema(url: str) -> Iterator[str]:
    """A new schema; yields a URL whose connections use it (so the job store's ``jobs`` table lands there)."""
    import psycopg

    schema = f"render_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield with_search_path(url, schema)
    finally:
        with psycopg.connect(url, autocommit=True) as c:
            c.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
