"""``POST /v1/fonts``: a storefront uploads its own font (TTF, OTF or WOFF2, raw body or multipart ``file``).

The bytes are checked by :func:`render_engine.inputs.font_upload.sanitize_font` (size and glyph limits, the
OpenType Sanitizer, table checksums, the OS/2 fsType embedding permission) and the *sanitised* font is stored
content-addressed in the storefront's own fonts folder, ``<storage_root>/fonts/<key name>/<sha256>.ttf|.otf``
(the folder shape :mod:`render_engine.inputs.font_folder` reads). Every refusal is a 4xx naming ``body``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from render_engine.inputs.font_upload import MAX_FONT_BYTES, SanitizedFont, sanitize_font
from render_engine.model.errors import InvalidFont, LimitExceeded

from ..deps import State, Storefront
from ..errors import ERROR_RESPONSES, storage_error
from ..schemas import FontOut
from .assets import upload_chunks

router = APIRouter(tags=["fonts"])

FONT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "font/ttf": {"schema": {"type": "string", "format": "binary"}},
            "font/otf": {"schema": {"type": "string", "format": "binary"}},
            "font/woff2": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
            },
        },
    }
}


def _store(folder: Path, font: SanitizedFont) -> None:
    """Write ``font`` as ``<sha256><suffix>`` once (atomic: a temporary file renamed into place)."""
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{font.sha256}{font.suffix}"
    if final.exists():
        return
    fd, name = tempfile.mkstemp(prefix=".upload-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(font.data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(name, final)
    finally:
        Path(name).unlink(missing_ok=True)


def _out(font: SanitizedFont) -> FontOut:
    return FontOut(
        font_id=font.sha256, family=font.family, family_id=font.family_id, weight=font.weight,
        style=font.style,
        format=font.format,
        fs_type=font.fs_type,
        embedding=font.embedding,
        glyphs=font.glyphs, bytes=len(font.data),
    )


@router.post("/fonts", status_code=201, response_model=FontOut, openapi_extra=FONT_BODY, responses=ERROR_RESPONSES)
async def upload_font(request: Request, state: State, key: Storefront) -> FontOut:
    """Add a font (TTF, OTF or WOFF2, at most 10 MB) to this storefront's fonts: sanitised, its embedding
    permission checked (restricted-licence fonts are refused with 422 naming the fsType), and its family,
    weight and style read from it. A design names it by the returned ``family_id``."""
    chunks: list[bytes] = []
    size = 0
    async for block in upload_chunks(request):
        size += len(block)
        if size > MAX_FONT_BYTES:
            raise LimitExceeded(f"font over the {MAX_FONT_BYTES} byte limit", field="body")
        chunks.append(block)
    if size == 0:
        raise InvalidFont("empty upload", field="body")
    font = await run_in_threadpool(sanitize_font, b"".join(chunks), "body")
    try:
        await run_in_threadpool(_store, state.services.storefront_fonts_dir(key.name), font)
    except OSError as exc:
        raise storage_error(exc, "font storage") from None
    return _out(font)
