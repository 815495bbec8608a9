"""Write step: atomic file output (temp file + fsync + rename) and the PNG writer.

A reader never sees a partial file: output appears under its final name only when complete.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pyvips

from .. import files
from ..model.errors import OutputError

# libvips' pngsave (other than 8-bit RGB/RGBA): zlib level 3 with the "sub" row filter. Measured on the
# 11oz mug print (2747x1097, photo + text):
# none 133 ms / 4.47 MB, sub 113 ms / 3.73 MB, up 120 ms / 3.80 MB, adaptive (all) 194 ms / 3.64 MB.
# "sub" is the fastest and within 3 % of the adaptive size; level 6 costs ~2x the time for ~5 %.
PNG_COMPRESSION = 3
PNG_FILTER = "sub"
STRIPS = True  # 8-bit RGB(A) through the strip encoder (tests compare it with libvips by turning this off)


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``final`` (``.<name>.*.part``); on success fsync it, make it readable
    under the umask and rename it into place (:func:`render_engine.files.atomic_path`)."""
    started = False
    refuse_special(final)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        with files.atomic_path(final, prefix=f".{final.name}.", suffix=".part", fsync=True, mode=files.PUBLIC) as tmp:
            started = True
            yield tmp
    except OSError as exc:
        if not started:
            raise OutputError(f"cannot write to {final.parent} ({exc.strerror})", field="out") from None
        raise OutputError(f"cannot write {final.name} ({exc.strerror})", field="out") from None
    except pyvips.Error:
        raise OutputError(f"cannot write {final.name} (encoder failed; disk full?)", field="out") from None


def refuse_special(final: Path) -> None:
    """An output path naming a device, a named pipe or a socket is refused before any work: the rename would
    replace it with the output (``--proof /dev/full`` run as root turned ``/dev/full`` into a regular file;
    ``/dev/stdout`` is a link to a pipe or a terminal)."""
    if final.exists() and not final.is_file() and not final.is_dir():  # follows links
        raise OutputError(f"cannot write {final}: it is not a regular file (a device, pipe or socket)", field="out")


def write_atomic(final: Path, produce: Callable[[Path], None]) -> Path:
    with atomic_path(final) as tmp:
        produce(tmp)
    return final


def write_png(img: pyvips.Image, final: Path, icc_profile: bytes, compression: int = PNG_COMPRESSION) -> Path:
    """8-bit RGB(A) PNG with pHYs from the image resolution and the sRGB profile embedded (no EXIF, no
    timestamps: the same image gives the same bytes). 8-bit RGB and RGBA (every print file, proof and roll)
    go through the strip encoder (:mod:`.png_strips`: deflated on the pool, ~4x less CPU than libvips'
    ``pngsave``, the same pixels); anything else through libvips (``compression``, filter "sub")."""
    if STRIPS and img.format == "uchar" and img.bands in (3, 4):
        from .png_strips import write_png_strips  # numpy + isal: only where a PNG is written

        def strips(tmp: Path) -> None:
            with open(tmp, "wb") as f:
                write_png_strips(img, f, icc_profile, img.xres)

        return write_atomic(final, strips)
    img = img.copy()
    img.set_type(pyvips.GValue.blob_type, "icc-profile-data", icc_profile)

    def produce(tmp: Path) -> None:
        img.pngsave(str(tmp), compression=compression, keep="icc", filter=PNG_FILTER)

    return write_atomic(final, produce)
