"""An exact sRGB -> CMYK lookup table: littleCMS's own answer for every one of the 2**24 8-bit sRGB colours.

Why: the PDF backend converts every placed photo and clip-art to CMYK through the output profile. littleCMS
takes ~24 ns a pixel for FOGRA39 (perceptual), plus ~12 ms to build the transform on every call — about a
third of a mug PDF's CPU (issue 22). One gather from a table of all 16.7 M colours takes ~9 ns a pixel.

Exact, not interpolated: the table is built by the *same* call the lcms path makes (:meth:`ColorConverter.image`
over an image holding every colour once), so a converted pixel is byte for byte what littleCMS returns and the
PDF bytes do not change. It costs 64 MB (uint32 a colour; on disk, memory-mapped, so processes share the pages)
and ~1 s of CPU to build, once per machine and profile pair: the file lives in the user cache folder
(``settings.color_cache_dir``), named by the SHA-256 of everything that decides its content (both profiles'
bytes, the intent, black-point compensation, the libvips version and this format's version), written to a
temporary file and renamed into place, and spot-checked against littleCMS on every load (a stale or damaged
file is rebuilt, never used).

When: :class:`LutPolicy` — the first page a process converts goes through littleCMS as before (a one-off
``render-engine render`` would pay numpy's import and the table's page faults for nothing); from the second on
a warm process uses the table, building it then if no valid file exists. The lookup streams its source (libvips
writes the sRGB pixels strip by strip into :class:`_Gather`), so only the CMYK result is whole in memory (4 bytes
a pixel), which the JPEG encoder reads (:mod:`render_engine.backends.cmyk_jpeg`); images above
:data:`LUT_MAX_PIXELS` stay on the streaming littleCMS path.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyvips

from ..files import atomic_path

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
LUT_MAX_PIXELS = 12_000_000  # the CMYK result: 4 bytes a pixel, ~48 MB at the limit
SIDE = 4096  # the table as a 4096 x 4096 image: one pixel per colour
CHECK_COLOURS = 4096  # colours spot-checked against littleCMS when a table is loaded
GATHER_PIXELS = 1 << 18  # pixels looked up at once while an image's rows arrive (1 MB of RGBX)


def default_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "render-engine" / "color"


def table_key(parts: list[bytes]) -> str:
    h = hashlib.sha256()
    libvips = f"{pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}"  # and the littleCMS it bundles
    for p in [str(FORMAT_VERSION).encode(), libvips.encode(), *parts]:
        h.update(len(p).to_bytes(8, "little"))
        h.update(p)
    return h.hexdigest()


STRIPS = 4  # the table is built in 4 strips of 4 M colours: ~30 MB of temporaries beside the 64 MB table


def _colours(first: int, count: int) -> pyvips.Image:
    """An sRGB image (SIDE wide) of the colours ``first`` .. ``first + count - 1`` in table order: colour i is
    r = i & 255, g = (i >> 8) & 255, b = i >> 16 — the order in which an RGBX pixel, read as a
    little-endian uint32, indexes the table."""
    import numpy as np

    i = np.arange(first, first + count, dtype=np.uint32)
    rgb = np.empty((count, 3), dtype=np.uint8)
    rgb[:, 0] = i & 255
    rgb[:, 1] = (i >> 8) & 255
    rgb[:, 2] = i >> 16
    return pyvips.Image.new_from_memory(rgb.data, SIDE, count // SIDE, 3, "uchar").copy(interpretation="srgb")


def build_table(convert: Any) -> np.ndarray:
    """Every colour through ``convert`` (the lcms path), strip by strip."""
    import numpy as np

    table = np.empty(1 << 24, dtype="<u4")
    step = (1 << 24) // STRIPS
    for first in range(0, 1 << 24, step):
        out = convert(_colours(first, step)).cast("uchar")
        table[first : first + step] = np.frombuffer(out.write_to_memory(), dtype="<u4")
    return table


def _check_colours() -> np.ndarray:
    """Fixed sample of colours (index form): the corners of the cube and a deterministic spread."""
    import numpy as np

    rng = np.random.default_rng(22)
    corners = np.array([0, 0xFFFFFF, 0xFF, 0xFF00, 0xFF0000, 0xFFFF, 0xFF00FF, 0xFFFF00], dtype=np.uint32)
    return np.concatenate([corners, rng.integers(0, 1 << 24, CHECK_COLOURS, dtype=np.uint32)])


class ExactLut:
    """One table: uint32 CMYK (bytes C, M, Y, K in memory order) for each packed sRGB colour."""

    def __init__(self, table: np.ndarray) -> None:
        self.table = table

    def convert(self, img: pyvips.Image) -> pyvips.Image:
        """An sRGB uchar image (3 bands) -> CMYK uchar, materialised (4 bytes a pixel)."""
        out = self.pixels(img)
        return pyvips.Image.new_from_memory(out.data, img.width, img.height, 4, "uchar").copy(interpretation="cmyk")

    def pixels(self, img: pyvips.Image) -> np.ndarray:
        """An sRGB uchar image (3 bands) -> its CMYK pixels in memory, one uint32 a pixel (bytes C, M, Y, K),
        row after row. The lookup runs as the rows arrive: libvips computes the image (decode, resize) on its
        threads and hands the RGBX rows over in order (``rawsave_target``) to :class:`_Gather`, which looks up
        every ~1 MB of them at once (numpy releases the GIL), so the gather overlaps the decode instead of following it
        (issue 22), and only the CMYK result is ever whole (4 bytes a pixel), never an RGBX copy of the image
        beside it (issue 18: a 9-MP book page 72 -> 36 MB)."""
        import numpy as np

        w, h = img.width, img.height
        out = np.empty(w * h, dtype=self.table.dtype)
        gather = _Gather(self.table, out)
        target = pyvips.TargetCustom()
        target.on_write(gather.write)
        img.bandjoin(0).cast("uchar").rawsave_target(target)
        gather.flush()
        if gather.pos != w * h or gather.staged:
            raise pyvips.Error(f"colour table: {gather.pos} of {w * h} pixels converted")
        return out


class _Gather:
    """The sink of :meth:`ExactLut._convert`: raw RGBX bytes in image order (libvips writes them from its sink
    thread), staged up to :data:`GATHER_PIXELS` and then looked up into ``out`` at the running pixel position;
    a pixel split across two writes waits in the stage for its last bytes."""

    def __init__(self, table: np.ndarray, out: np.ndarray) -> None:
        self.table = table
        self.out = out
        self.pos = 0
        self.stage = bytearray()

    @property
    def staged(self) -> int:
        return len(self.stage)

    def write(self, chunk: Any) -> int:
        self.stage += chunk
        if len(self.stage) >= 4 * GATHER_PIXELS:
            self.flush()
        return len(chunk)

    def flush(self) -> None:
        import numpy as np

        n = len(self.stage) // 4
        if not n:
            return
        idx = np.frombuffer(self.stage, dtype="<u4", count=n)
        # indices are R | G << 8 | B << 16 < 2**24 = len(table): "clip" never clips, and writes into out
        np.take(self.table, idx, out=self.out[self.pos : self.pos + n], mode="clip")
        del idx  # the stage is resized next: no view of it may be alive
        self.pos += n
        del self.stage[: 4 * n]


def _lcms(convert: Any, colours: np.ndarray) -> np.ndarray:
    import numpy as np

    rgb = np.empty((len(colours), 3), dtype=np.uint8)
    rgb[:, 0] = colours & 255
    rgb[:, 1] = (colours >> 8) & 255
    rgb[:, 2] = colours >> 16
    img = pyvips.Image.new_from_memory(rgb.data, len(colours), 1, 3, "uchar").copy(interpretation="srgb")
    return np.frombuffer(convert(img).cast("uchar").write_to_memory(), dtype="<u4")


def _valid(table: np.ndarray, convert: Any) -> bool:
    import numpy as np

    if table.shape != (1 << 24,) or table.dtype != np.dtype("<u4"):
        return False
    sample = _check_colours()
    return bool(np.array_equal(table[sample], _lcms(convert, sample)))


def table_path(directory: Path | None, key: str) -> Path:
    return (directory or default_dir()) / f"srgb-cmyk-{key}.npy"


def map_file(path: Path) -> np.ndarray | None:
    """The stored table memory-mapped (pages load on first touch and are shared between processes), not yet
    checked; None when there is no readable file. Runs no libvips operation (safe before a fork)."""
    import numpy as np

    if not path.is_file():
        return None
    try:
        table: np.ndarray = np.load(path, mmap_mode="r")
    except (OSError, ValueError):
        log.warning("colour table %s is unreadable: rebuilding it", path)
        return None
    return table


def load_or_build(directory: Path | None, key: str, convert: Any, mapped: np.ndarray | None = None) -> ExactLut | None:
    """The table for ``key`` from ``directory`` (or ``mapped``, already mapped from there), spot-checked
    against littleCMS, else built with ``convert`` (the lcms path: sRGB pyvips image -> CMYK pyvips image)
    and stored there. None when the build fails."""
    import numpy as np

    path = table_path(directory, key)
    table = mapped if mapped is not None else map_file(path)
    if table is not None:
        if _valid(table, convert):
            return ExactLut(table)
        log.warning("colour table %s does not match littleCMS: rebuilding it", path)
    try:
        table = build_table(convert)
    except pyvips.Error:
        log.warning("building the colour table failed; staying with littleCMS", exc_info=True)
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path, prefix=path.name, suffix=".tmp", fsync=False) as tmp, open(tmp, "wb") as fh:
            np.save(fh, table)  # a cache: rebuilt when missing or invalid, so not fsynced
    except OSError:
        log.warning("cannot store the colour table in %s; it lives in memory only", path.parent, exc_info=True)
    return ExactLut(table)


def stored_deflate(directory: Path | None, data: bytes, digest: str, level: int = 6) -> bytes:
    """``zlib.compress(data, level)``, kept in the cache folder under ``digest`` (the SHA-256 of ``data``) and
    the zlib version: what an output intent embeds in every PDF. A stored copy is used only when it inflates
    back to ``data``; one that does not, or cannot be written, falls back to compressing here."""
    import zlib

    name = f"deflate{level}-{zlib.ZLIB_RUNTIME_VERSION}-{digest}.z"
    path = (directory or default_dir()) / name
    try:
        stored = path.read_bytes()
        if zlib.decompress(stored) == data:
            return stored
    except (OSError, zlib.error):
        pass
    packed = zlib.compress(data, level)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path, prefix=name, suffix=".tmp", fsync=False) as tmp:
            tmp.write_bytes(packed)  # a cache: checked on read, so not fsynced
    except OSError:
        log.debug("cannot store %s", path, exc_info=True)
    return packed


class LutPolicy:
    """Per converter: which pages use the table (see the module docstring), built or loaded once."""

    def __init__(self, enabled: bool, directory: Path | None, key: str) -> None:
        self.enabled = enabled
        self.directory = directory
        self.key = key
        self._pages = 0
        self._lut: ExactLut | None = None
        self._mapped: np.ndarray | None = None  # preloaded, checked on first use
        self._failed = False
        self._lock = threading.Lock()

    def preload(self) -> bool:
        """Map a stored table now (a render-farm worker, before it forks its work horses: they share the
        pages and use the table from their first page). No libvips operation runs here."""
        if self.enabled and self._mapped is None and self._lut is None:
            self._mapped = map_file(table_path(self.directory, self.key))
        return self._mapped is not None

    def check_preloaded(self, convert: Any) -> bool:
        """Spot-check the preloaded table against littleCMS, as its first page would. This runs libvips: a
        render-farm worker calls it in a child it forks for the purpose and, when the child says yes, calls
        :meth:`trust_preloaded` itself (the worker must run no libvips operation before forking its horses)."""
        return self._mapped is not None and _valid(self._mapped, convert)

    def trust_preloaded(self) -> bool:
        """Use the preloaded table from the first page without checking it again: a child of this process
        checked these very pages (:meth:`check_preloaded`). Tables are stored by renaming a new file into
        place, never written in place, so the mapping cannot change under its readers."""
        with self._lock:
            if self._mapped is not None and self._lut is None:
                self._lut, self._mapped = ExactLut(self._mapped), None
            return self._lut is not None

    def for_page(self, convert: Any, largest: int) -> ExactLut | None:
        """The table for a page whose largest image has ``largest`` pixels, or None (use littleCMS)."""
        if not self.enabled or self._failed or largest > LUT_MAX_PIXELS:
            return None
        with self._lock:
            self._pages += 1
            if self._pages < 2 and self._lut is None and self._mapped is None:
                return None
            if self._lut is None:
                self._lut = load_or_build(self.directory, self.key, convert, self._mapped)
                self._mapped = None
                self._failed = self._lut is None
        return self._lut
