"""docs/api.md's quickstart works verbatim: its two shell blocks run against a live `render-engine serve`.

The first block (keys + ``render-engine serve``) starts the server exactly as written, in embedded mode (no
Redis); the second (upload, preview, preflight, job, poll, print queue, download, ack) runs in bash with
``set -euo pipefail``. The only change to the text is the port: 8000 becomes a free loopback port.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pikepdf
import pytest

from tests.conftest import ROOT

DOC = ROOT / "docs" / "api.md"


def quickstart_blocks() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## Quickstart")
    end = text.index("\n## ", start + 1)
    return re.findall(r"```bash\n(.*?)```", text[start:end], flags=re.S)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[str], Path]]:
    blocks = quickstart_blocks()
    assert len(blocks) == 2, "the quickstart has a server block and a client block"
    port = _free_port()
    # `render-engine` as this checkout's CLI (the console script may belong to another install)
    script = f'render-engine() {{ exec "{sys.executable}" -m render_engine.cli "$@"; }}\n'
    script += blocks[0].replace("8000", str(port))
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENDER_ENGINE_") and k != "REDIS_URL"}
    env.update(PYTHONPATH=str(ROOT), XDG_DATA_HOME=str(tmp_path / "data"), RENDER_ENGINE_EMBEDDED_WORKERS="1")
    log = tmp_path / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(["bash", "-c", script], cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
                                text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not become ready: " + log.read_text()
            time.sleep(0.2)
        yield port, proc, log
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_the_api_quickstart_runs_verbatim(served: tuple[int, subprocess.Popen[str], Path], tmp_path: Path) -> None:
    port, _, log = served
    work = tmp_path / "repo"
    work.mkdir()
    (work / "examples").symlink_to(ROOT / "examples")  # the block runs "from the repository folder"
    client = quickstart_blocks()[1].replace("8000", str(port))
    r = subprocess.run(["bash", "-c", "set -euo pipefail\n" + client], cwd=work, capture_output=True, text=True,
                       timeout=180)
    assert r.returncode == 0, f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}\nserver:\n{log.read_text()}"
    lines = r.stdout.splitlines()
    assert any(ln.lower().startswith("x-preflight:") and '"ok"' in ln for ln in lines), r.stdout
    job = re.search(r"^job (\S+) is ready$", r.stdout, flags=re.M)
    assert job, r.stdout
    assert job.group(1) in lines  # the print queue listed it
    out = work / "quickstart"
    assert (out / "preview.jpg").read_bytes()[:3] == b"\xff\xd8\xff"
    with pikepdf.open(out / "print.pdf") as pdf:
        trim = [float(v) for v in pdf.pages[0].TrimBox]
    assert abs((trim[2] - trim[0]) * 25.4 / 72 - 228.6) < 0.1  # the 11 oz mug's wrap, in mm
    # the server log names the job on its worker lines; /demo explains why it is off (keys, no demo key)
    assert re.search(rf"render_engine\.farm\.jobs: job ready job_id={job.group(1)}$", log.read_text(), flags=re.M)
    demo = httpx.get(f"http://127.0.0.1:{port}/demo", timeout=5)
    assert demo.status_code == 404 and "RENDER_ENGINE_DEMO_KEY" in demo.text
    assert "/demo is off" in log.read_text()
