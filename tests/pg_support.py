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
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from tests.net_support import free_port, wait_until_answers

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


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


class PrivatePostgres:
    """A throw-away cluster (``initdb``) served on 127.0.0.1, as the ``postgres`` user when we are root
    (PostgreSQL refuses to run as root). :meth:`stop` and :meth:`start` again are a real database outage."""

    def __init__(self) -> None:
        initdb, self.postgres = _pg_bin("initdb"), _pg_bin("postgres")
        self.pg_ctl = _pg_bin("pg_ctl")
        if initdb is None or self.postgres is None or self.pg_ctl is None:
            pytest.skip("no PostgreSQL answers and its server is not installed (scripts/check.sh installs it)")
        self.run_as: list[str] = []
        self.folder = tempfile.mkdtemp(prefix="render-pg-")
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                pytest.skip("no PostgreSQL answers, and as root a private server needs runuser and a postgres user")
            self.run_as = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.folder, "postgres")
        self.data = os.path.join(self.folder, "data")
        subprocess.run(
            [*self.run_as, initdb, "-D", self.data, "-U", "postgres", "--auth=trust", "--no-sync"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [*self.run_as, str(self.postgres), "-D", self.data, "-p", str(self.port), "-k", self.folder,
             "-c", "listen_addresses=127.0.0.1", "-F"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until_answers(lambda: _answers(self.url), self.proc, "private PostgreSQL", timeout=20)

    def stop(self) -> None:
        """Fast shutdown: the server disconnects its clients and exits."""
        if self.proc is None:
            return
        subprocess.run(
            [*self.run_as, str(self.pg_ctl), "-D", self.data, "stop", "-m", "fast", "-w"],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.proc.wait(timeout=30)
        self.proc = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def private_server() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    try:
        server.start()
        yield server
    finally:
        server.remove()


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A PostgreSQL URL that answers: the configured one, else a private server for this session."""
    url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_URL)
    if _answers(url):
        yield url
        return
    with private_server() as private:
        yield private.url


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
