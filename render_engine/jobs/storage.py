"""Storage behind a small interface: content-addressed assets and per-job artifacts.

:class:`LocalStorage` (a folder, possibly an NFS mount shared by several worker machines) is the only
implementation today; an S3-compatible one would implement the same protocol (see docs/api.md).
Everything appears atomically: files are written into ``tmp/`` on the same filesystem, fsynced and
renamed into place, so a reader (or a worker SIGKILLed mid-write) never leaves or sees a partial file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from ..errors import AssetError

ASSET_ID = re.compile(r"^[0-9a-f]{64}$")
ARTIFACT_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


class Storage(Protocol):
    def asset_path(self, asset_id: str) -> Path: ...
    def put_asset(self, tmp: Path, sha256: str) -> str: ...
    def tmp_dir(self) -> contextlib.AbstractContextManager[Path]: ...
    def publish(self, job_id: str, files: dict[str, Path]) -> None: ...
    def artifact_path(self, job_id: str, name: str) -> Path | None: ...


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class LocalStorage:
    """``root/assets/ab/<sha256>``, ``root/jobs/<job id>/<name>``, ``root/tmp/`` (same filesystem)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for sub in ("assets", "jobs", "tmp"):
            (root / sub).mkdir(parents=True, exist_ok=True)

    # assets ------------------------------------------------------------------------------------------
    def asset_path(self, asset_id: str) -> Path:
        """The :data:`~render_engine.assets.AssetLoader` of the engine: id -> local file, or AssetError."""
        if not ASSET_ID.match(asset_id):
            raise AssetError("unknown asset id", field="asset_id")
        path = self.root / "assets" / asset_id[:2] / asset_id
        if not path.is_file():
            raise AssetError("unknown asset id (upload it with POST /v1/assets)", field="asset_id")
        return path

    def put_asset(self, tmp: Path, sha256: str) -> str:
        """Move a complete, fsynced temp file into the content-addressed store; returns the asset id."""
        final = self.root / "assets" / sha256[:2] / sha256
        final.parent.mkdir(exist_ok=True)
        if final.exists():
            tmp.unlink(missing_ok=True)
        else:
            os.replace(tmp, final)
            _fsync_dir(final.parent)
        return sha256

    # job artifacts -----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def tmp_dir(self) -> Iterator[Path]:
        d = Path(tempfile.mkdtemp(prefix="w-", dir=self.root / "tmp"))
        try:
            yield d
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def job_dir(self, job_id: str) -> Path:
        return self.root / "jobs" / job_id

    def publish(self, job_id: str, files: dict[str, Path]) -> None:
        """Rename complete files into the job's folder (each rename is atomic; same name replaces)."""
        final_dir = self.job_dir(job_id)
        final_dir.mkdir(parents=True, exist_ok=True)
        for name, src in files.items():
            if not ARTIFACT_NAME.match(name):
                raise ValueError(f"bad artifact name {name!r}")
            os.replace(src, final_dir / name)
        _fsync_dir(final_dir)

    def discard(self, job_id: str) -> None:
        """Remove whatever a failed job published (a timeout can strike between two renames)."""
        shutil.rmtree(self.job_dir(job_id), ignore_errors=True)

    def artifact_path(self, job_id: str, name: str) -> Path | None:
        if not ARTIFACT_NAME.match(name):
            return None
        path = self.job_dir(job_id) / name
        return path if path.is_file() else None

    def sweep_tmp(self, older_than: float) -> int:
        """Remove temp folders left by SIGKILLed workers (older than ``older_than`` seconds)."""
        n = 0
        cutoff = time.time() - older_than
        for d in (self.root / "tmp").iterdir():
            with contextlib.suppress(OSError):
                if d.stat().st_mtime < cutoff:
                    if d.is_dir():
                        shutil.rmtree(d, ignore_errors=True)
                    else:
                        d.unlink()
                    n += 1
        return n

    def writable(self) -> bool:
        try:
            with tempfile.NamedTemporaryFile(dir=self.root / "tmp", prefix="probe-"):
                return True
        except OSError:
            return False
