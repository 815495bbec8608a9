"""``POST /v1/assets``: upload a photo (raw body or multipart ``file``), sniffed, limited, fully decoded once
(strict), content-addressed."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from render_engine.farm.services import Services
from render_engine.files import fsync_file, temp_path
from render_engine.inputs.assets import SUPPORTED, load_svg, looks_like_svg, probe_image, sniff_format, verify_image
from render_engine.model.errors import AssetError, LimitExceeded

from ..deps import State, Storefront
from ..errors import ERROR_RESPONSES, storage_error
from ..schemas import AssetOut

router = APIRouter(tags=["assets"])

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
            },
        },
    }
}


async def upload_chunks(request: Request) -> AsyncIterator[bytes]:
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=5)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise AssetError("multipart upload needs a 'file' part", field="file")
        while block := await upload.read(1 << 20):
            yield block
        await form.close()
    else:
        async for block in request.stream():
            yield block


def _store_svg(svc: Services, tmp: Path) -> AssetOut:
    """SVG clip-art: sanitised by the one SVG sanitiser (``load_svg``: the same as inline ``svg`` layers and
    Fabric ``data:image/svg+xml``), and the *sanitised* document is what is stored and content-addressed;
    it is sanitised again whenever a design uses it."""
    doc = load_svg(tmp.read_bytes(), "body", svc.engine.settings)
    try:
        with temp_path(tmp.parent, prefix="upload-", suffix=".svg") as out:
            out.write_bytes(doc.data)
            fsync_file(out)  # durable before the store renames it in
            asset_id = svc.storage.put_asset(out, hashlib.sha256(doc.data).hexdigest())
    except OSError as exc:
        raise storage_error(exc) from None
    w, h = max(1, round(doc.width)), max(1, round(doc.height))
    return AssetOut(asset_id=asset_id, format="svg", width=w, height=h, bytes=len(doc.data))


@router.post("/assets", status_code=201, response_model=AssetOut, openapi_extra=UPLOAD_BODY, responses=ERROR_RESPONSES)
async def upload_asset(request: Request, state: State, key: Storefront) -> AssetOut:
    """Store an image (JPEG, PNG, WebP, HEIF/AVIF, TIFF, GIF: its first frame — sniffed from the bytes) or SVG
    clip-art (sanitised; an ``svg`` layer's ``asset_id``) and return its id."""
    svc = state.services
    limit = svc.settings.max_asset_bytes
    h = hashlib.sha256()
    size = 0
    with contextlib.ExitStack() as stack:
        try:
            tmp = stack.enter_context(temp_path(svc.storage.root / "tmp", prefix="upload-"))
            with open(tmp, "wb") as fh:
                async for block in upload_chunks(request):
                    size += len(block)
                    if size > limit:
                        raise LimitExceeded(f"asset over the {limit} byte limit", field="body")
                    h.update(block)
                    fh.write(block)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise storage_error(exc) from None
        if size == 0:
            raise AssetError("empty upload", field="body")
        with open(tmp, "rb") as fh:
            head = fh.read(256)
        fmt = sniff_format(head[:32])
        if fmt is None and looks_like_svg(head):
            return await run_in_threadpool(_store_svg, svc, tmp)
        if fmt is None:
            raise AssetError(f"not a supported image format ({SUPPORTED}, SVG)", field="body")
        info = await run_in_threadpool(probe_image, tmp, "body", svc.engine.settings)
        # every pixel decoded strictly before anything is stored: a damaged file (a chunk CRC, cut or corrupt
        # entropy data) that the header probe passes is a 422 here, not a failed or retried job later
        await run_in_threadpool(verify_image, info, "body")
        try:
            asset_id = svc.storage.put_asset(tmp, h.hexdigest())
        except OSError as exc:
            raise storage_error(exc) from None
    note = f"an animated GIF of {info.frames} frames: only its first frame prints" if info.frames > 1 else None
    return AssetOut(asset_id=asset_id, format=info.format, width=info.width, height=info.height, bytes=size,
                    frames=info.frames, note=note)  # fmt: skip
