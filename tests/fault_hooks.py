"""Fault injection for real worker/API processes started by tests/farm/test_faults.py (never imported by the
engine). Importing it patches, by environment variable:

* ``FAULT_SLOW_PNG=<seconds>``: a job's PNG render sleeps first (so a job is mid-render for a while, and
  with ``formats: [pdf, png]`` one artifact is already complete in the temp folder);
* ``FAULT_PUBLISH_LOG=<path>``: every publish appends the job id (one line, ``O_APPEND``): the side-effect
  counter that proves no job published twice.

Run a process with it: ``python -c "import tests.fault_hooks as h; h.main()" worker ...``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from render_engine.farm import storage
from render_engine.production import order

_slow = float(os.environ.get("FAULT_SLOW_PNG", "0") or 0)
_log = os.environ.get("FAULT_PUBLISH_LOG")

if _slow > 0:
    _real_render = order.render_prepared

    def _slow_render(prep: Any, engine: Any, out: Path, **kw: Any) -> Any:
        if out.suffix == ".png":
            time.sleep(_slow)
        return _real_render(prep, engine, out, **kw)

    order.render_prepared = _slow_render

if _log:
    _log_path: str = _log
    _real_publish = storage.LocalStorage.publish

    def _counted_publish(self: storage.LocalStorage, job_id: str, files: dict[str, Path]) -> None:
        _real_publish(self, job_id, files)
        fd = os.open(_log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{job_id}\n".encode())
        finally:
            os.close(fd)

    storage.LocalStorage.publish = _counted_publish  # type: ignore[method-assign]


def main() -> None:
    from render_engine.cli import main as cli_main

    sys.exit(cli_main(sys.argv[1:]))
