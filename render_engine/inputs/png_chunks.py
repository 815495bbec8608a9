"""PNG text and profile chunks, bounded before libvips reads the file.

libvips (libspng) inflates every ``zTXt`` / ``iTXt`` chunk into image metadata when it opens a PNG: a 290 KB
file of thirty 10 MB ``zTXt`` comments opened with 300 MB of metadata (640 MB resident) on every open (probe,
verify, focus, render, proof), and an upload of 5 MB could ask for gigabytes. Nothing prints text chunks, so
:func:`check_png_chunks` walks the chunk list (lengths and types only: a seek per chunk), inflates the
compressed text and the ICC profile with a cap, and refuses a file over it before any decoder sees it.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import BinaryIO

from ..model.errors import LimitExceeded

MAX_TEXT_BYTES = 1_000_000
"""All ``tEXt`` / ``zTXt`` / ``iTXt`` chunks of one PNG, inflated: comments and XMP are a few kilobytes."""
MAX_TEXT_CHUNKS = 256
"""Text chunks in one PNG (each becomes a metadata field of every opened copy)."""
MAX_ICC_BYTES = 4_000_000
"""An embedded ICC profile (``iCCP``), inflated: real profiles are a few hundred kilobytes at most."""

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_TEXT = (b"tEXt", b"zTXt", b"iTXt")


def _inflated(data: bytes, limit: int) -> int:
    """How many bytes ``data`` (a zlib stream) inflates to, counting no further than ``limit`` + 1."""
    d = zlib.decompressobj()
    try:
        out = len(d.decompress(data, limit + 1))
    except zlib.error:
        return 0  # damaged: the decoder's strict read reports it
    return out


def check_png_chunks(source: bytes | BinaryIO) -> str | None:
    """Why a PNG's ancillary chunks are refused (a reason to show), or None. ``source``: the file's bytes or a
    binary file open at its start."""
    fh: BinaryIO = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    if fh.read(8) != _SIGNATURE:
        return None
    text = chunks = 0
    while True:
        head = fh.read(8)
        if len(head) < 8:
            return None
        length, kind = struct.unpack(">I4s", head)
        if kind == b"IEND":
            return None
        if kind in _TEXT or kind == b"iCCP":
            data = fh.read(min(length, 2**31))
            fh.seek(4, io.SEEK_CUR)  # CRC
            if kind == b"iCCP":
                name_end = data.find(b"\x00")
                if name_end >= 0 and _inflated(data[name_end + 2 :], MAX_ICC_BYTES) > MAX_ICC_BYTES:
                    return f"its ICC profile (iCCP) inflates to over {MAX_ICC_BYTES // 1_000_000} MB"
                continue
            chunks += 1
            if chunks > MAX_TEXT_CHUNKS:
                return f"it has over {MAX_TEXT_CHUNKS} text chunks (tEXt/zTXt/iTXt)"
            text += _text_bytes(kind, data, MAX_TEXT_BYTES - text)
            if text > MAX_TEXT_BYTES:
                return f"its text chunks (tEXt/zTXt/iTXt) inflate to over {MAX_TEXT_BYTES // 1_000_000} MB"
        else:
            fh.seek(length + 4, io.SEEK_CUR)


def _text_bytes(kind: bytes, data: bytes, room: int) -> int:
    """The size of one text chunk's text, inflated (counted no further than ``room`` + 1)."""
    if kind == b"tEXt":
        return len(data)
    key_end = data.find(b"\x00")
    if key_end < 0:
        return len(data)
    if kind == b"zTXt":  # keyword \0, method, compressed text
        return key_end + _inflated(data[key_end + 2 :], room)
    # iTXt: keyword \0, compression flag, method, language \0, translated keyword \0, text
    flag = data[key_end + 1 : key_end + 2]
    rest = data[key_end + 3 :]
    parts = rest.split(b"\x00", 2)
    if len(parts) < 3:
        return len(data)
    body = parts[2]
    return key_end + (_inflated(body, room) if flag == b"\x01" else len(body))


def refuse_png_bombs(source: bytes | Path, field: str) -> None:
    """:class:`LimitExceeded` naming ``field`` when ``source`` (a file or its bytes) is a PNG whose ancillary
    chunks :func:`check_png_chunks` refuses; anything else passes (its decoder judges it)."""
    if isinstance(source, Path):
        with open(source, "rb") as fh:
            reason = check_png_chunks(fh)
    else:
        reason = check_png_chunks(source)
    if reason is not None:
        raise LimitExceeded(f"PNG refused: {reason} (nothing prints them; a decompression bomb)", field=field)
