"""render_engine.files: the one atomic-write and mtime-LRU-pruning mechanism (issue #16), on a real folder."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from render_engine.files import PUBLIC, atomic_path, prune_lru, umask


def test_atomic_path_renames_a_complete_file_and_leaves_no_temp(tmp_path: Path) -> None:
    final = tmp_path / "out.pdf"
    with atomic_path(final, prefix=".out.pdf.", suffix=".part", mode=PUBLIC) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".out.pdf.") and tmp.name.endswith(".part")
        tmp.write_bytes(b"%PDF-1.6 data")
        assert not final.exists()  # nobody sees it before the block completes
    assert final.read_bytes() == b"%PDF-1.6 data"
    assert stat.S_IMODE(final.stat().st_mode) == 0o666 & ~umask()  # readable by a print unit's user
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.pdf"]


def test_atomic_path_without_mode_keeps_mkstemp_private_and_fsync_is_optional(tmp_path: Path) -> None:
    final = tmp_path / "a.png"
    with atomic_path(final, prefix=".tmp-", suffix=".png", fsync=False) as tmp:
        tmp.write_bytes(b"x")
    assert stat.S_IMODE(final.stat().st_mode) == 0o600
    assert final.read_bytes() == b"x"


def test_atomic_path_failure_keeps_the_old_file_and_removes_the_temp(tmp_path: Path) -> None:
    final = tmp_path / "out.png"
    final.write_bytes(b"old")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    with pytest.raises(RuntimeError), atomic_path(final, prefix="asset-", tmp_dir=scratch) as tmp:
        assert tmp.parent == scratch and tmp.name.startswith("asset-")
        tmp.write_bytes(b"half")
        raise RuntimeError("encoder failed")
    assert final.read_bytes() == b"old"
    assert list(scratch.iterdir()) == []


def _files(tmp_path: Path, sizes: list[int]) -> list[tuple[float, int, Path]]:
    out = []
    for i, size in enumerate(sizes):
        p = tmp_path / f"f{i}"
        p.write_bytes(b"\0" * size)
        os.utime(p, (1000 + i, 1000 + i))  # f0 least recently used
        st = p.stat()
        out.append((st.st_mtime, st.st_size, p))
    return out


def test_prune_lru_by_count_removes_the_oldest_beyond_the_limit(tmp_path: Path) -> None:
    entries = _files(tmp_path, [1, 1, 1, 1])
    assert prune_lru(reversed(entries), Path.unlink, max_count=2) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f2", "f3"]


def test_prune_lru_by_bytes_removes_the_oldest_until_the_rest_fit(tmp_path: Path) -> None:
    entries = _files(tmp_path, [100, 100, 100, 50])
    assert prune_lru(entries, Path.unlink, max_bytes=200) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f2", "f3"]
    assert prune_lru(entries[2:], Path.unlink, max_bytes=1000) == 0


def test_prune_lru_skips_an_entry_it_cannot_remove(tmp_path: Path) -> None:
    entries = _files(tmp_path, [1, 1, 1])
    entries[0][2].unlink()  # gone meanwhile (another process pruned it)
    assert prune_lru(entries, Path.unlink, max_count=1) == 1  # the count mode does not reach further
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f2"]
    with pytest.raises(ValueError):
        prune_lru(entries, Path.unlink)


def test_print_file_writer_names_what_it_could_not_write(tmp_path: Path) -> None:
    from render_engine.backends.writers import write_atomic
    from render_engine.model.errors import OutputError

    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")
    with pytest.raises(OutputError, match=r"cannot write to .*not-a-folder") as exc:
        write_atomic(blocker / "out.png", lambda tmp: tmp.write_bytes(b"x"))
    assert exc.value.field == "out"

    def fail(tmp: Path) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match=r"cannot write out\.png \(No space left on device\)"):
        write_atomic(tmp_path / "out.png", fail)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder"]  # no temp file left
    write_atomic(tmp_path / "out.png", lambda tmp: tmp.write_bytes(b"ok"))
    assert stat.S_IMODE((tmp_path / "out.png").stat().st_mode) == 0o666 & ~umask()
