"""Per-row photos uploaded as files with a batch's rows (issue #19: "per-row photos by asset id or file").

``POST /v1/batches/upload`` may carry, beside its ``file`` (the rows, CSV) and ``options`` parts, photo files:
any number of ``photos`` parts (each a file, matched by its file name) and/or one ``photos_zip`` part (a zip
whose files are matched by their names without folders). A photo slot's cell (a ``photos`` slot's cell:
names separated by ``|``) naming one of them is that photo; ``options.photos`` may name one too
(``{"logo": {"file": "logo.png"}}`` or ``{"logo": "logo.png"}``). A cell that names no uploaded file and is
no asset id is a problem naming the row and the slot (``rows[3].photos.portrait: no file 'asha.jpg' …``),
all such problems in one 422 before anything is stored.

Every file a row uses is stored as ``POST /v1/assets`` stores one: at most ``max_asset_bytes``, format
sniffed, header probed within the pixel limits, and every pixel decoded strictly; a damaged file is a problem
of each row and slot that names it (``rows[7].photos.portrait: asha.jpg: …``). Files no row names are not
stored. The rows then carry asset ids and the batch goes on as any other: the same files and rows give the
same body (content-addressed ids), so a re-post with its ``Idempotency-Key`` is the same batch.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, Any

from render_engine.farm.services import Services
from render_engine.files import fsync_file, temp_path
from render_engine.inputs.assets import SUPPORTED, probe_image, sniff_format, verify_image
from render_engine.model.errors import RenderError
from render_engine.personalization import DesignTemplate
from render_engine.personalization.merge import LIST_SEPARATOR
from render_engine.personalization.model import PhotoSlot, PhotosSlot

from .errors import ApiError, storage_error

MAX_FILES = 1000  # photo files in one upload (parts plus zip entries)
ASSET_ID = re.compile(r"^[0-9a-f]{64}$")
Opener = Any  # () -> a binary file object, read once


def file_name(raw: str) -> str:
    """The name a row matches: the last path component (a browser may send ``C:\\photos\\a.jpg``)."""
    return PurePosixPath(raw.replace("\\", "/")).name.strip()


def collect(parts: list[Any], zipped: Any, max_bytes: int, total_bytes: int) -> dict[str, Opener]:
    """``{name: opener}`` of every uploaded photo: the ``photos`` parts, then the ``photos_zip`` entries
    (folders, ``__MACOSX/`` and dot files left out). Two files of one name, a zip that is none, an entry over
    ``max_bytes`` or entries over ``total_bytes`` uncompressed (a zip bomb) are 4xx naming the part."""
    files: dict[str, Opener] = {}

    def add(name: str, opener: Opener, where: str) -> None:
        if not name:
            raise ApiError(422, "invalid_request", "a photo file needs a file name", field=where)
        if name in files:
            raise ApiError(422, "invalid_request", f"two photo files are named {name[:100]!r}", field=where)
        if len(files) >= MAX_FILES:
            raise ApiError(413, "limit_exceeded", f"over {MAX_FILES} photo files in one upload", field=where)
        files[name] = opener

    for part in parts:
        add(file_name(part.filename or ""), lambda f=part.file: _rewound(f), "photos")  # not closed: the form's
    if zipped is not None:
        try:
            archive = zipfile.ZipFile(zipped.file)
            entries = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError):
            raise ApiError(422, "invalid_request", "not a zip file", field="photos_zip") from None
        total = 0
        for info in entries:
            name = file_name(info.filename)
            if info.is_dir() or info.filename.startswith("__MACOSX/") or name.startswith(".") or not name:
                continue
            where = f"photos_zip[{name[:100]}]"
            if info.file_size > max_bytes:
                raise ApiError(413, "limit_exceeded", f"over the {max_bytes} byte limit of a photo", field=where)
            total += info.file_size
            if total > total_bytes:
                raise ApiError(413, "limit_exceeded", f"the zip's files add up to over {total_bytes} bytes",
                               field="photos_zip")  # fmt: skip
            add(name, lambda a=archive, i=info: a.open(i), where)
    return files


def _rewound(f: IO[bytes]) -> contextlib.AbstractContextManager[IO[bytes]]:
    f.seek(0)
    return contextlib.nullcontext(f)


def _refs(cell: Any, many: bool) -> list[str]:
    if isinstance(cell, list):
        return [str(c) for c in cell]
    if not isinstance(cell, str):
        return []
    return [p.strip() for p in cell.split(LIST_SEPARATOR) if p.strip()] if many else [cell.strip()]


def _missing(ref: str, files: dict[str, Opener]) -> str | None:
    if ref in files or ASSET_ID.match(ref):
        return None
    known = ", ".join(sorted(files)[:5]) + (", …" if len(files) > 5 else "")
    return f"no file {ref[:100]!r} was uploaded with the rows (photos / photos_zip: {known or 'none'})"


def resolve(
    svc: Services, template: DesignTemplate, rows: list[dict[str, Any]], shared: dict[str, Any],
    files: dict[str, Opener],
) -> tuple[list[dict[str, Any]], dict[str, Any]]:  # fmt: skip
    """The rows and ``options.photos`` with every uploaded file's name replaced by its asset id (each used file
    stored once). One 422 ``invalid_rows`` lists every name that matches no file and every file that is no
    usable image, each naming the row (or ``options.photos``) and the slot."""
    uses: dict[str, list[str]] = {}  # file name -> the fields naming it
    problems: list[dict[str, Any]] = []

    def note(field: str, ref: str) -> None:
        if (why := _missing(ref, files)) is not None:
            problems.append({"code": "invalid_design", "message": why, "field": field})
        elif ref in files:
            uses.setdefault(ref, []).append(field)

    photo_slots = {k: isinstance(s, PhotosSlot) for k, s in template.slots.items()
                   if isinstance(s, PhotoSlot | PhotosSlot)}  # fmt: skip
    for n, row in enumerate(rows, 1):
        for slot, many in photo_slots.items():
            for ref in _refs(row.get(slot), many):
                note(f"rows[{n}].photos.{slot}", ref)
    for slot, value in shared.items():
        name = value.get("file") if isinstance(value, dict) else value if isinstance(value, str) else None
        if isinstance(name, str):
            note(f"options.photos.{slot}", name.strip())
    ids: dict[str, str] = {}
    with ExitStack() as stack:
        tmp = stack.enter_context(svc.storage.tmp_dir())
        for name in sorted(uses):
            try:
                ids[name] = _store(svc, name, files[name], tmp)
            except RenderError as exc:
                if isinstance(exc, ApiError) and exc.http_status >= 500:  # storage: the server's fault
                    raise
                for field in uses[name]:
                    problems.append({"code": exc.code, "message": f"{name}: {exc.message}", "field": field})
    if problems:
        raise ApiError(422, "invalid_rows", f"{len(problems)} problems with the uploaded photos; nothing was "
                       "accepted", field=problems[0]["field"],
                       extra={"problems": problems[:1000], "rows_invalid": len({p["field"].split(".")[0]
                                                                                for p in problems})})  # fmt: skip

    def swap(cell: Any, many: bool) -> Any:
        refs = _refs(cell, many)
        got = [ids.get(r, r) for r in refs]
        if isinstance(cell, list):
            return got
        return LIST_SEPARATOR.join(got) if many else got[0] if got else cell

    out_rows = [{k: swap(v, photo_slots[k]) if k in photo_slots else v for k, v in row.items()} for row in rows]
    out_shared = dict(shared)
    for slot, value in shared.items():
        name = value.get("file") if isinstance(value, dict) else value if isinstance(value, str) else None
        if isinstance(name, str) and name.strip() in ids:
            out_shared[slot] = {"asset_id": ids[name.strip()]}
    return out_rows, out_shared


def _store(svc: Services, name: str, opener: Opener, tmp_dir: Path) -> str:
    """One photo stored as an asset, checked as ``POST /v1/assets`` checks one (size, format, header within
    the pixel limit, every pixel decoded strictly); its asset id. RenderError (a 4xx) when it is no image."""
    limit = svc.settings.max_asset_bytes
    with _copy(opener, tmp_dir, limit) as (path, digest, size):
        if size == 0:
            raise ApiError(422, "invalid_asset", "an empty file")
        with open(path, "rb") as fh:
            if sniff_format(fh.read(32)) is None:
                raise ApiError(422, "invalid_asset", f"not a supported photo format ({SUPPORTED})")
        info = probe_image(path, "photo", svc.engine.settings)
        verify_image(info, "photo")
        try:
            return svc.storage.put_asset(path, digest)
        except OSError as exc:
            raise storage_error(exc) from None


@contextmanager
def _copy(opener: Opener, tmp_dir: Path, limit: int) -> Iterator[tuple[Path, str, int]]:
    h = hashlib.sha256()
    size = 0
    with temp_path(tmp_dir, prefix="photo-") as path:
        try:
            with opener() as src, open(path, "wb") as out:
                while block := src.read(1 << 20):
                    size += len(block)
                    if size > limit:
                        raise ApiError(413, "limit_exceeded", f"over the {limit} byte limit of a photo")
                    h.update(block)
                    out.write(block)
            fsync_file(path)
        except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError) as exc:  # damaged (CRC, cut,
            # deflate data), or a compression method zipfile has not (Deflate64, PPMd, AES): 500 before
            raise ApiError(422, "invalid_asset", f"could not be read from the zip ({exc})") from None
        except RuntimeError as exc:  # zipfile: "File 'a.jpg' is encrypted, password required for extraction"
            if "encrypted" not in str(exc):
                raise
            raise ApiError(422, "invalid_asset", "could not be read from the zip: it is encrypted (a password-"
                           "protected zip); zip the photos without a password") from None  # fmt: skip
        except OSError as exc:
            raise storage_error(exc) from None
        yield path, h.hexdigest(), size
