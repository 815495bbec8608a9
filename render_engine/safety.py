"""Process-wide hardening of the C libraries the engine feeds untrusted bytes to.

libvips has dozens of loaders (matlab, csv, fits, magick, pdf…) reachable from ``new_from_file`` /
``new_from_buffer``. The engine only ever calls the loaders of the formats it accepts (see
:data:`render_engine.assets.LOADERS`) plus ``svgload_buffer`` for sanitised vector documents, so everything
else is blocked: a crafted file can never reach a loader nobody reviewed. Called by :class:`Engine`, i.e.
by every entry point (CLI, API, worker), never at import time.
"""

from __future__ import annotations

import functools

import pyvips

# libvips class names of the loaders we use; unblocking a class unblocks its file/buffer/source variants
ALLOWED_LOADERS = (
    "VipsForeignLoadJpeg",
    "VipsForeignLoadPng",
    "VipsForeignLoadWebp",
    "VipsForeignLoadHeif",
    "VipsForeignLoadTiff",
    "VipsForeignLoadSvg",
)


@functools.cache
def harden_libvips() -> None:
    """Block every libvips loader except the allow-list (idempotent, once per process)."""
    pyvips.operation_block_set("VipsForeignLoad", True)
    for name in ALLOWED_LOADERS:
        pyvips.operation_block_set(name, False)
