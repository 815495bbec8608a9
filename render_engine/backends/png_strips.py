"""The print PNG's encoder: rows filtered and deflated in strips on the shared pool, one zlib stream.

libvips' ``pngsave`` deflates on one thread (zlib-ng level 3: ~110 ms of CPU for the 3-megapixel mug page,
half of a PNG render, issue 22). Here libvips computes the page with its own threads and hands the rows over
in order (``rawsave_target``); every strip of rows is filtered (PNG filter "sub", one numpy subtraction) and
deflated by ISA-L's igzip (the ``isal`` wheel: ~4x faster than zlib at a similar ratio) on the shared pool
(:mod:`.ahead`), pigz-style: each strip is a run of raw deflate blocks ended by a sync flush (byte-aligned,
not final) and primed with the 32 KiB of filtered data before it as the preset dictionary, and the last
strip ends the stream. The strips joined behind a zlib header, with the Adler-32 of all the filtered data
combined from the strips', are **one valid zlib stream** in IDAT chunks: any PNG decoder reads it.

Deterministic: strips are a fixed number of rows for a given row size (never the number of cores) and
every strip's bytes depend only on its own rows and the ones before it, so the same image gives the same
file on every run, machine size and thread count (on x86-64 ISA-L's vector code paths, SSE4.2 and up,
make the same bytes). Memory: at most a few strips in flight, never the whole page (a 78-megapixel poster
streams like the mug).
"""

from __future__ import annotations

import struct
import zlib
from concurrent.futures import Future
from typing import BinaryIO

import numpy as np
import pyvips
from isal import isal_zlib

from . import ahead

LEVEL = 3  # ISA-L 0..3; measured on the mug page (see benchmarks/README.md, issue 22 round 4)
FLAT_LEVEL = 2  # for a strip whose filtered bytes are mostly 0 (flat colour, transparency): see _level
STRIP_BYTES = 1 << 20  # raw bytes of rows per strip (rounded to whole rows)
DICT_BYTES = 32 * 1024  # deflate's window: the filtered data before a strip primes its compressor
IDAT_MAX = 1 << 20  # bytes per IDAT chunk at most
IN_FLIGHT = 4  # strips queued or being deflated at once (memory bound: a few MB)
_ADLER_BASE = 65521


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))


def adler32_combine(a1: int, a2: int, len2: int) -> int:
    """Adler-32 of A+B from Adler-32(A), Adler-32(B) and len(B) (zlib's ``adler32_combine``)."""
    rem = len2 % _ADLER_BASE
    sum1 = a1 & 0xFFFF
    sum2 = (rem * sum1) % _ADLER_BASE
    sum1 += (a2 & 0xFFFF) + _ADLER_BASE - 1
    sum2 += (a1 >> 16) + (a2 >> 16) + _ADLER_BASE - rem
    sum1 %= _ADLER_BASE
    sum2 %= _ADLER_BASE
    return sum1 | (sum2 << 16)


def _filtered(rows: np.ndarray, bands: int) -> np.ndarray:
    """Rows with PNG filter type 1 ("sub"): a type byte, then each byte minus the byte one pixel left."""
    f = np.empty((rows.shape[0], rows.shape[1] + 1), np.uint8)
    f[:, 0] = 1
    f[:, 1 : 1 + bands] = rows[:, :bands]
    np.subtract(rows[:, bands:], rows[:, :-bands], out=f[:, 1 + bands :])
    return f


def _level(data: np.ndarray) -> int:
    """The ISA-L level of a filtered strip, from its own bytes (so the output stays deterministic): level 3's
    longer match search is pathological on long runs (a white 3-MP page: 15 ms against 0.9 ms at level 2,
    and 12 % larger), so strips that are mostly zero bytes after the "sub" filter use level 2; photo strips
    (~10 % zeros) keep level 3 (2.5 % smaller than level 2 for ~10 % more time)."""
    return FLAT_LEVEL if 2 * np.count_nonzero(data) < data.size else LEVEL


def _deflate(rows: np.ndarray, before: np.ndarray, bands: int, last: bool) -> tuple[bytes, int, int]:
    """One strip: (raw deflate bytes, Adler-32 of its filtered data, its length). ``before`` holds the rows
    just above the strip (enough for the dictionary)."""
    data = _filtered(rows, bands)
    level = _level(data)
    if before.size:
        primer = _filtered(before, bands).reshape(-1)[-DICT_BYTES:].tobytes()
        comp = isal_zlib.compressobj(level, isal_zlib.DEFLATED, -15, 9, isal_zlib.Z_DEFAULT_STRATEGY, primer)
    else:
        comp = isal_zlib.compressobj(level, isal_zlib.DEFLATED, -15)
    out = comp.compress(data) + comp.flush(isal_zlib.Z_FINISH if last else isal_zlib.Z_SYNC_FLUSH)
    return out, zlib.adler32(data.data), data.size


class _Writer:
    """Receives the raw rows from libvips (in order, on its write thread) into strip buffers, deflates each
    full strip on the pool and writes the compressed strips to ``out`` in order."""

    def __init__(self, out: BinaryIO, width: int, height: int, bands: int) -> None:
        self.out = out
        self.stride = width * bands
        self.bands = bands
        self.height = height
        self.rows_per_strip = max(1, STRIP_BYTES // self.stride)
        self.context_rows = min(self.rows_per_strip, -(-DICT_BYTES // (self.stride + 1)))
        self.done_rows = 0  # rows handed to a job
        self.prev = np.empty((0, self.stride), np.uint8)
        self.jobs: list[Future[tuple[bytes, int, int]]] = []
        self.adler = 1
        self.pending = bytearray()
        self.inline = ahead.on_pool()
        self._new_strip()

    def _new_strip(self) -> None:
        rows = min(self.rows_per_strip, self.height - self.done_rows)
        self.strip = np.empty((rows, self.stride), np.uint8)
        self.flat = self.strip.reshape(-1).data
        self.fill = 0

    def write(self, data: bytes) -> None:
        src = memoryview(data)
        pos = 0
        while pos < len(src):
            if self.done_rows >= self.height:
                raise pyvips.Error("PNG encoder: the image delivered more rows than it has")
            n = min(len(src) - pos, len(self.flat) - self.fill)
            self.flat[self.fill : self.fill + n] = src[pos : pos + n]
            self.fill += n
            pos += n
            if self.fill == len(self.flat):
                self._submit()

    def _submit(self) -> None:
        self._drain(block=len(self.jobs) >= IN_FLIGHT)
        rows, before = self.strip, self.prev[-self.context_rows :]
        last = self.done_rows + rows.shape[0] == self.height
        if self.inline:  # called from a pool job: never wait for the pool it occupies
            job: Future[tuple[bytes, int, int]] = Future()
            job.set_result(_deflate(rows, before, self.bands, last))
        else:
            job = ahead.submit(_deflate, rows, before, self.bands, last)
        self.jobs.append(job)
        self.done_rows += rows.shape[0]
        self.prev = rows
        if not last:
            self._new_strip()

    def _drain(self, block: bool) -> None:
        while self.jobs and (block or self.jobs[0].done()):
            data, adler, length = self.jobs.pop(0).result()
            self.adler = adler32_combine(self.adler, adler, length)
            self._idat(data)
            block = False

    def _idat(self, data: bytes) -> None:
        self.pending += data
        while len(self.pending) >= IDAT_MAX:
            self.out.write(_chunk(b"IDAT", bytes(self.pending[:IDAT_MAX])))
            del self.pending[:IDAT_MAX]

    def finish(self) -> None:
        if self.done_rows != self.height:
            raise pyvips.Error("PNG encoder: the image delivered fewer rows than it has")
        while self.jobs:
            self._drain(block=True)
        self.pending += struct.pack(">I", self.adler)
        self.out.write(_chunk(b"IDAT", bytes(self.pending)))
        self.pending = bytearray()

    def abandon(self) -> None:
        ahead.settle(self.jobs)
        self.jobs = []


def write_png_strips(img: pyvips.Image, out: BinaryIO, icc_profile: bytes, ppm: float) -> None:
    """Encode the 8-bit RGB or RGBA ``img`` as PNG into ``out``: IHDR, iCCP (``icc_profile``), pHYs from
    ``ppm`` (pixels per mm), IDAT, IEND. The zlib header announces the window the strips use."""
    bands = img.bands
    if img.format != "uchar" or bands not in (3, 4):
        raise ValueError(f"PNG strips: 8-bit RGB(A) only, not {img.format} x {bands}")
    out.write(b"\x89PNG\r\n\x1a\n")
    out.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", img.width, img.height, 8, 2 if bands == 3 else 6, 0, 0, 0)))
    out.write(_chunk(b"iCCP", b"icc\x00\x00" + zlib.compress(icc_profile, 9)))
    dpm = round(ppm * 1000)
    out.write(_chunk(b"pHYs", struct.pack(">IIB", dpm, dpm, 1)))
    writer = _Writer(out, img.width, img.height, bands)
    writer.pending += b"\x78\x01"  # zlib header: deflate, 32 KiB window, no dictionary, "fastest" flag
    target = pyvips.TargetCustom()

    def on_write(data: bytes) -> int:
        writer.write(data)
        return len(data)

    target.on_write(on_write)
    try:
        img.rawsave_target(target)
        writer.finish()
    except BaseException:
        writer.abandon()
        raise
    out.write(_chunk(b"IEND", b""))
