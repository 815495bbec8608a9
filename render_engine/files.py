"""Small file mechanisms every layer uses, once: atomic temp-file-and-rename writing, fsync of a file or a
folder, and least-recently-used (mtime) pruning of a folder of cache files.

Where they are used:

- :func:`atomic_path` — the engine's outputs (``backends.writers``: fsynced, world-readable under the umask),
  the farm's asset cache (``farm.storage``: fsynced, temp files in ``tmp/`` where the sweep finds them) and the
  API's render cache (``api.render_cache``: deliberately *not* fsynced — an entry can always be rendered again).
  Also the colour caches (``inputs.color_lut``: the exact CMYK table and the deflated output-intent profile;
  not fsynced — checked on read, rebuilt when missing).
  The benchmarks' photo cache (``benchmarks.inputs``: not fsynced, world-readable).
- :func:`temp_path` — a temp file removed whatever happens, for a file staged before someone else renames it
  (an upload before ``Storage.put_asset``: ``api.routes.assets``); :func:`atomic_path` is built on it.
- :func:`fsync_file` / :func:`fsync_dir` — files staged in ``tmp/`` before ``Storage.put_asset`` renames them
  (``api.intake``, ``api.routes.assets``), the local store's renames (``farm.storage``).
- :func:`prune_lru` — the farm's asset cache (by total bytes) and the API's render cache (by entry count).

Errors are plain :class:`OSError`: each caller says in its own words (and error class) what could not be
written. Nothing here imports another module of the engine (rank 0, beside ``model``).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

PUBLIC = -1
"""``mode=PUBLIC``: ``0o666`` under the process umask (``mkstemp`` makes ``0600`` files; print units read the
engine's outputs as another user)."""


@functools.cache
def umask() -> int:
    """The process umask, read once (reading it means setting it, which is not thread-safe)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable; best effort (some filesystems refuse to open a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(
    final: Path,
    *,
    prefix: str,
    suffix: str = "",
    tmp_dir: Path | None = None,
    fsync: bool = True,
    sync_dir: bool | None = None,
    mode: int | None = None,
) -> Iterator[Path]:
    """Yield a new empty temp file (``mkstemp`` in ``tmp_dir``, default beside ``final``, named
    ``prefix…suffix`` — cleanup code finds stale ones by that name); when the block completes, fsync it
    (``fsync``), set its ``mode`` (``PUBLIC``: 0o666 under the umask; None: leave mkstemp's 0600), rename it
    to ``final`` and fsync the folder (``sync_dir``, default ``fsync``). The temp file is removed whatever
    happens. A reader never sees a partial file under ``final``. An existing ``final`` that is a device, a named
    pipe or a socket is an :class:`OSError` (``EEXIST``) before anything is written: the rename would replace
    it (as root, ``/dev/full`` became a regular file)."""
    if final.exists() and not final.is_file() and not final.is_dir():  # the rename would replace a device
        raise OSError(errno.EEXIST, "not a regular file (a device, pipe or socket): not replaced", str(final))
    with temp_path(final.parent if tmp_dir is None else tmp_dir, prefix=prefix, suffix=suffix) as tmp:
        yield tmp
        if fsync:
            fsync_file(tmp)
        if mode is not None:
            os.chmod(tmp, 0o666 & ~umask() if mode == PUBLIC else mode)
        os.replace(tmp, final)
        if fsync if sync_dir is None else sync_dir:
            fsync_dir(final.parent)


@contextlib.contextmanager
def temp_path(folder: Path, *, prefix: str, suffix: str = "") -> Iterator[Path]:
    """Yield a new empty temp file (``mkstemp`` in ``folder``: mode 0600, named ``prefix…suffix`` so cleanup
    code finds stale ones); it is removed when the block ends, whatever happens (after a rename that moved
    it, there is nothing left to remove)."""
    fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def prune_lru(
    entries: Iterable[tuple[float, int, Path]],
    remove: Callable[[Path], object],
    *,
    max_count: int | None = None,
    max_bytes: int | None = None,
) -> int:
    """Remove least recently used entries (``(mtime, size, path)``, oldest first; ties by path) with
    ``remove(path)``; returns how many were removed. ``max_count``: the oldest beyond that many go (one
    whose removal fails is not replaced by the next). ``max_bytes``: the oldest go until the rest fit (a
    failed removal still counts toward the total, so the next goes too). An :class:`OSError` from
    ``remove`` (gone meanwhile, permissions) skips that entry."""
    if (max_count is None) == (max_bytes is None):
        raise ValueError("prune_lru needs exactly one of max_count, max_bytes")
    ordered = sorted(entries, key=lambda e: (e[0], e[2]))
    victims = ordered if max_count is None else ordered[: max(0, len(ordered) - max_count)]
    total = sum(size for _, size, _ in ordered)
    removed = 0
    for _, size, path in victims:
        if max_bytes is not None and total <= max_bytes:
            break
        try:
            remove(path)
        except OSError:
            continue
        total -= size
        removed += 1
    return removed
