"""The content-hash cache of synchronous renders (mockup previews, preflight proofs), on disk.

An entry is ``<root>/<key>.<ext>`` (the image) plus ``<key>.<ext>.json`` (its metadata: size, SHA-256,
content type, and what the endpoint needs to answer again without rendering: the preflight summary or
report). ``key`` is the SHA-256 of the canonical request (design, options, format, engine version), so
identical requests share an entry and the URL ``/v1/previews/<key>.<ext>`` is unguessable without the
design. The root is under the storage root, so every API process on a shared mount sees the same entries.

Writes are atomic (temp file in the same folder, rename; metadata first, image last: an entry is complete
once its image exists) but not fsynced: an entry can always be rendered again, and fsync was ~20 % of a
render thread's time under preview load. What a crash could leave instead (a renamed image whose data never
reached the disk: empty or short) is caught on lookup, which serves an entry only when its size equals the
recorded one. At most ``max_entries`` entries are kept: every ``PRUNE_EVERY`` writes
the least recently used (by mtime, refreshed on every hit) are deleted. A client holding a URL of an
evicted entry gets 404 and re-POSTs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from render_engine.files import atomic_path, prune_lru

NAME = re.compile(r"^([0-9a-f]{64})\.(jpg|webp|png)$")
MAX_ENTRIES = 1000
"""Entries kept (previews are ~20-300 KB, proofs ~50-500 KB: at most a few hundred MB)."""
PRUNE_EVERY = 32
"""Writes between two pruning scans of the folder."""
STALE_TMP_SECONDS = 3600.0
"""Temp files older than this (left by a killed process) are removed when pruning."""


@dataclass(frozen=True)
class Entry:
    path: Path
    meta: dict[str, Any]

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def url(self) -> str:
        return f"/v1/previews/{self.path.name}"

    @property
    def etag(self) -> str:
        return f'"{self.meta["sha256"]}"'


class RenderCache:
    def __init__(self, root: Path, max_entries: int = MAX_ENTRIES) -> None:
        self.root = root
        self.max_entries = max_entries
        root.mkdir(parents=True, exist_ok=True)
        self._writes = 0
        self._lock = threading.Lock()

    def get(self, key: str, ext: str) -> Entry | None:
        return self.lookup(f"{key}.{ext}")

    def lookup(self, name: str) -> Entry | None:
        """The complete entry called ``name`` (``<sha256>.<ext>``), or None (unknown, evicted, malformed)."""
        if not NAME.match(name):
            return None
        img = self.root / name
        try:
            meta = json.loads((self.root / f"{name}.json").read_text(encoding="utf-8"))
            if not isinstance(meta, dict) or not img.is_file() or img.stat().st_size != meta.get("bytes"):
                return None  # unknown, evicted, or a write a crash cut short (not fsynced)
            os.utime(img)  # recently used: survives pruning
        except (OSError, ValueError):
            return None
        return Entry(img, meta)

    def put(
        self, key: str, ext: str, write: Callable[[Path], dict[str, Any] | None], meta: dict[str, Any]
    ) -> Entry:
        """Create the entry: ``write(path)`` writes the image to a temp path with the right suffix and may
        return more metadata (e.g. its pixel size)."""
        name = f"{key}.{ext}"
        if not NAME.match(name):
            raise ValueError("bad cache entry name")
        # not fsynced, left 0600 (see the module docstring); ``.tmp-*`` is what prune() sweeps when stale
        with atomic_path(self.root / name, prefix=".tmp-", suffix=f".{ext}", fsync=False) as tmp:
            meta_tmp = tmp.with_suffix(".json")
            try:
                extra = write(tmp) or {}
                h = hashlib.sha256()
                with open(tmp, "rb") as fh:
                    while block := fh.read(1 << 20):
                        h.update(block)
                meta = {**meta, **extra, "sha256": h.hexdigest(), "bytes": tmp.stat().st_size}
                with open(meta_tmp, "w", encoding="utf-8") as fh:
                    json.dump(meta, fh, sort_keys=True)
                os.replace(meta_tmp, self.root / f"{name}.json")  # metadata first, the image (on exit) last
            finally:
                meta_tmp.unlink(missing_ok=True)
        with self._lock:
            self._writes += 1
            prune = self._writes % PRUNE_EVERY == 0
        if prune:
            self.prune()
        return Entry(self.root / name, meta)

    def put_bytes(self, key: str, ext: str, data: bytes, meta: dict[str, Any]) -> Entry:
        def write(path: Path) -> None:
            path.write_bytes(data)

        return self.put(key, ext, write, meta)

    def read(self, entry: Entry) -> bytes | None:
        """The image bytes, or None when the entry was evicted (or cut short) meanwhile."""
        try:
            data = entry.path.read_bytes()
        except OSError:
            return None
        return data if len(data) == entry.meta.get("bytes") else None

    def prune(self) -> int:
        """Delete least recently used entries beyond ``max_entries`` and stale temp files; returns entries removed."""
        entries: list[tuple[float, int, Path]] = []
        now = time.time()
        for p in self.root.iterdir():
            with contextlib.suppress(OSError):
                if p.name.startswith(".tmp-"):
                    if now - p.stat().st_mtime > STALE_TMP_SECONDS:
                        p.unlink()
                elif NAME.match(p.name):
                    entries.append((p.stat().st_mtime, 0, p))
                elif p.suffix == ".json" and NAME.match(p.stem) and not (self.root / p.stem).exists():
                    stale = now - p.stat().st_mtime > STALE_TMP_SECONDS  # metadata of an entry never completed
                    if stale:
                        p.unlink()

        def remove(img: Path) -> None:
            img.unlink()  # the image first: the entry stops being complete before its metadata goes
            (self.root / f"{img.name}.json").unlink(missing_ok=True)

        return prune_lru(entries, remove, max_count=self.max_entries)
