"""``GET /v1/batches/{id}/files.zip``: every ready row's print files in one zip, with a ``manifest.json``
(row → job → files with bytes and SHA-256, skipped rows with their problems), for a shop that downloads a bulk
order at once instead of row by row.

Entries are ``row-<n>/<file>`` (``row-0007/print.pdf``, ``row-0007/front.png``), stored uncompressed (print
files are compressed already) with a fixed timestamp, rows in order: the same batch gives the same zip bytes.
The zip is built once, by the first request after every row is final, and kept in storage beside the jobs'
files (``batch-<id>/files.zip``, deleted with the batch by retention); later requests stream the stored zip.
409 ``not_ready`` while the rows are being checked or any row is still queued, rendering or held (``invalid``
batches never have one); rows that failed are listed in the manifest without files.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from render_engine.farm.store_batches import FINAL

from ..deps import State
from ..errors import ERROR_RESPONSES, ApiError, NotFound, NotReady
from ..streaming import stored_file_response
from .batches import BATCH_ID
from .jobs import AnyKey

router = APIRouter(tags=["batches"])

ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, ZIP_TIME)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


@router.get(
    "/batches/{batch_id}/files.zip",
    response_class=Response,
    responses={**ERROR_RESPONSES, 200: {"content": {"application/zip": {}}, "description": "the zip"}},
)
def batch_files(batch_id: str, request: Request, state: State, key: AnyKey) -> Response:
    """Every ready row's files and a manifest.json in one zip (409 while rows are checked or rendering)."""
    svc = state.services
    batch = svc.store.get_batch(batch_id) if BATCH_ID.match(batch_id) else None
    if batch is not None and "print-unit" not in key.scopes and batch.owner != key.name:
        batch = None
    if batch is None:
        intake = svc.store.get_intake(batch_id) if BATCH_ID.match(batch_id) else None
        if intake is not None and ("print-unit" in key.scopes or intake.owner == key.name):
            raise NotReady("the batch's rows are still being checked" if intake.state == "validating" else
                           "the batch is invalid: nothing was printed (GET the batch for its problems)",
                           field="batch_id")  # fmt: skip
        raise NotFound("no such batch", field="batch_id")
    cache_id = f"batch-{batch.id}"
    try:
        cached = svc.storage.open_artifact(cache_id, "files.zip")
    except OSError:
        raise ApiError(503, "storage_unavailable", "storage unreachable; retry later",
                       headers={"Retry-After": "10"}) from None  # fmt: skip
    if cached is None:
        _build(svc, batch, cache_id)
        cached = svc.storage.open_artifact(cache_id, "files.zip")
        if cached is None:  # pragma: no cover - storage lost it between publish and open
            raise ApiError(503, "storage_unavailable", "storage unreachable; retry later",
                           headers={"Retry-After": "10"})  # fmt: skip
    return stored_file_response(request, cached, media_type="application/zip", filename=f"batch-{batch.id}.zip",
                                headers={})  # fmt: skip


def _build(svc: Any, batch: Any, cache_id: str) -> None:
    """Write the zip (rows in order, fixed timestamps: the same bytes whoever builds it) and publish it to
    storage as ``<cache_id>/files.zip``; 409 while a row is not final."""
    recs = {r.id: r for r in svc.store.batch_job_states(batch.id)}
    busy = [row for row, job_id in batch.job_ids if job_id in recs and recs[job_id].state not in FINAL]
    if busy:
        raise NotReady(f"{len(busy)} rows are not rendered yet (first: row {busy[0]}); try again when the batch "
                       "is ready", field="batch_id")  # fmt: skip
    manifest: dict[str, Any] = {
        "batch_id": batch.id, "design_template": batch.request.get("design_template"),
        "product": batch.request.get("product"), "rows": [], "skipped": batch.skipped,
    }  # fmt: skip
    with svc.storage.tmp_dir() as tmp_dir:
        tmp = os.path.join(tmp_dir, "files.zip")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
            for row, job_id in batch.job_ids:
                rec = recs.get(job_id)
                entry: dict[str, Any] = {"row": row, "job_id": job_id, "state": rec.state if rec else "expired",
                                         "files": []}  # fmt: skip
                if rec is not None and rec.state == "ready":
                    for art in rec.artifacts:
                        name = f"row-{row:04d}/{art['name']}"
                        try:
                            stored = svc.storage.open_artifact(job_id, art["name"])
                        except OSError:
                            raise ApiError(503, "storage_unavailable", "storage unreachable; retry later",
                                           headers={"Retry-After": "10"}) from None  # fmt: skip
                        if stored is None:
                            continue
                        with zf.open(_entry(name), "w", force_zip64=stored.size > 2**31) as out:
                            if stored.path is not None:
                                with open(stored.path, "rb") as src:
                                    shutil.copyfileobj(src, out, 1 << 20)
                            else:
                                for chunk in stored.iter_range(0, stored.size):
                                    out.write(chunk)
                        entry["files"].append({"name": name, "bytes": art["bytes"], "sha256": art["sha256"]})
                elif rec is not None and rec.error:
                    entry["error"] = rec.error
                manifest["rows"].append(entry)
            zf.writestr(_entry("manifest.json"), json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        files = {"files.zip": Path(tmp)}
        try:
            svc.storage.stage(files)
            svc.storage.publish(cache_id, files)
        except OSError:
            raise ApiError(503, "storage_unavailable", "storage unreachable; retry later",
                           headers={"Retry-After": "10"}) from None  # fmt: skip
