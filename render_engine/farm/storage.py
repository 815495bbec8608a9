"""Storage behind a small interface: content-addressed assets and per-job artifacts.

Two implementations of :class:`Storage`, picked by :func:`make_storage` from the service settings
(``RENDER_ENGINE_STORAGE=local|s3``; docs/farm.md):

* :class:`LocalStorage` — a folder (possibly a network mount shared by several machines). Files are written
  into ``tmp/`` on the same filesystem, fsynced and renamed into place, so a reader (or a worker SIGKILLed
  mid-write) never leaves or sees a partial file.
* :class:`S3Storage` — one bucket (under an optional key prefix) of an S3-compatible object store. A PUT
  is atomic per object: nobody sees half an object. Artifacts are uploaded to staging keys (``tmp/``) before
  the job store's publish lock (:meth:`Storage.stage`) and copied server-side to their final keys under it,
  so the lock is held for a few copy requests, not for uploads. Each object carries its SHA-256 (metadata,
  and ``x-amz-checksum-sha256`` so S3 itself rejects a corrupted upload). A local ``root`` still holds the
  scratch folder, the asset cache and the SQLite job store.

Either way the job store's ``ready`` record, written after :meth:`Storage.publish` returns, is the ready
marker: the API serves only the artifacts a ready record lists, with the checksums recorded there.
Third-party storage errors become :class:`StorageError` (a :class:`Transient` ``OSError``) at this boundary, so
workers retry them and the API answers 503, exactly as for a local disk fault.

Why one module over 500 lines: two implementations of one contract (atomic publish, staging, retention,
the asset cache) kept side by side so a change to the contract is made in both at once; split into
``storage/local.py`` and ``storage/s3.py`` if a third backend appears.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import functools
import hashlib
import importlib.util
import mimetypes
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..files import atomic_path, fsync_dir, prune_lru
from ..model.errors import AssetError, Transient

if TYPE_CHECKING:
    from .settings import ServiceSettings

ASSET_ID = re.compile(r"^[0-9a-f]{64}$")
ARTIFACT_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
CHUNK = 1 << 20
UNKNOWN_ASSET = "unknown asset id (upload it with POST /v1/assets)"


class StorageError(Transient, OSError):
    """The object store failed (unreachable, denied, throttled past retries): :class:`Transient`, like a disk
    fault (the workers retry it). Still an ``OSError``: the API answers it as any storage fault (507/503)."""


@dataclass(frozen=True)
class StoredFile:
    """One published artifact, as the API streams it.

    ``path`` is set for a local file (served with ``FileResponse``: sendfile, ``Range``); otherwise
    :meth:`iter_range` streams the bytes from the store. ``sha256`` is what the store keeps beside the bytes
    (S3 metadata), ``None`` where it keeps nothing (the job record has the checksum either way).
    """

    size: int
    path: Path | None
    sha256: str | None
    reader: Callable[[int, int], Iterator[bytes]]

    def iter_range(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes ``start`` up to (not including) ``end``, in chunks of at most 1 MiB."""
        stop = self.size if end is None else min(end, self.size)
        if start >= stop:
            return iter(())
        return self.reader(start, stop)


class Storage(Protocol):
    """What the API and the workers need from storage (both implementations, tests/farm/test_storage.py)."""

    root: Path  # local scratch: ``root/tmp`` takes uploads and renders on their way in

    def asset_path(self, asset_id: str) -> Path: ...
    def put_asset(self, tmp: Path, sha256: str) -> str: ...
    def asset_exists(self, asset_id: str) -> bool: ...
    def old_assets(self, before: float, limit: int) -> list[str]: ...
    def delete_asset(self, asset_id: str, before: float | None = None) -> bool: ...
    def tmp_dir(self) -> contextlib.AbstractContextManager[Path]: ...
    def stage(self, files: dict[str, Path]) -> None: ...
    def publish(self, job_id: str, files: dict[str, Path]) -> None: ...
    def discard(self, job_id: str) -> None: ...
    def open_artifact(self, job_id: str, name: str) -> StoredFile | None: ...
    def artifact_names(self, job_id: str) -> list[str]: ...
    def sweep_tmp(self, older_than: float) -> int: ...
    def writable(self) -> bool: ...


def make_storage(settings: ServiceSettings) -> Storage:
    """The storage the settings select (``storage``: ``local`` or ``s3``)."""
    if settings.storage == "s3":
        return S3Storage(
            settings.storage_root,
            bucket=settings.s3_bucket,
            prefix=settings.s3_prefix,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            addressing_style=settings.s3_addressing_style,
            send_checksums=settings.s3_checksums,
            cache_bytes=settings.s3_cache_mb * 1024 * 1024,
        )
    return LocalStorage(settings.storage_root)


def sha256_file(path: Path, chunk: int = CHUNK) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _check_name(name: str) -> None:
    if not ARTIFACT_NAME.match(name):
        raise ValueError(f"bad artifact name {name!r}")


def _read_file(path: Path) -> Callable[[int, int], Iterator[bytes]]:
    def read(start: int, stop: int) -> Iterator[bytes]:
        with open(path, "rb") as fh:
            fh.seek(start)
            left = stop - start
            while left > 0 and (block := fh.read(min(CHUNK, left))):
                left -= len(block)
                yield block

    return read


def _sweep_local_tmp(tmp: Path, older_than: float) -> int:
    n = 0
    cutoff = time.time() - older_than
    for d in tmp.iterdir():
        with contextlib.suppress(OSError):
            if d.stat().st_mtime < cutoff:
                if d.is_dir():
                    shutil.rmtree(d, ignore_errors=True)
                else:
                    d.unlink()
                n += 1
    return n


def _probe_writable(tmp: Path) -> bool:
    try:
        with tempfile.NamedTemporaryFile(dir=tmp, prefix="probe-"):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def _private_tmp(tmp: Path) -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix="w-", dir=tmp))
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


class LocalStorage:
    """``root/assets/ab/<sha256>``, ``root/jobs/<job id>/<name>``, ``root/tmp/`` (same filesystem)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for sub in ("assets", "jobs", "tmp"):
            (root / sub).mkdir(parents=True, exist_ok=True)

    # assets ------------------------------------------------------------------------------------------
    def asset_path(self, asset_id: str) -> Path:
        """The :data:`~render_engine.inputs.assets.AssetLoader` of the engine: id -> local file, or AssetError."""
        if not ASSET_ID.match(asset_id):
            raise AssetError("unknown asset id", field="asset_id")
        path = self.root / "assets" / asset_id[:2] / asset_id
        if not path.is_file():
            raise AssetError(UNKNOWN_ASSET, field="asset_id")
        return path

    def put_asset(self, tmp: Path, sha256: str) -> str:
        """Move a complete, fsynced temp file into the content-addressed store; returns the asset id. An
        upload of content already stored renews its age (asset retention counts from the last upload)."""
        final = self.root / "assets" / sha256[:2] / sha256
        final.parent.mkdir(exist_ok=True)
        if final.exists():
            tmp.unlink(missing_ok=True)
            os.utime(final)
        else:
            os.replace(tmp, final)
            fsync_dir(final.parent)
        return sha256

    def asset_exists(self, asset_id: str) -> bool:
        return bool(ASSET_ID.match(asset_id)) and (self.root / "assets" / asset_id[:2] / asset_id).is_file()

    def old_assets(self, before: float, limit: int) -> list[str]:
        """Assets last uploaded before ``before`` (epoch seconds), at most ``limit``."""
        out: list[str] = []
        for sub in sorted((self.root / "assets").iterdir()):
            for p in sorted(sub.iterdir()) if sub.is_dir() else ():
                with contextlib.suppress(OSError):
                    if ASSET_ID.match(p.name) and p.stat().st_mtime < before:
                        out.append(p.name)
                if len(out) >= limit:
                    return out
        return out

    def delete_asset(self, asset_id: str, before: float | None = None) -> bool:
        """Delete the asset (only if still last uploaded before ``before``: not uploaded again meanwhile)."""
        path = self.root / "assets" / asset_id[:2] / asset_id
        try:
            if not ASSET_ID.match(asset_id) or (before is not None and path.stat().st_mtime >= before):
                return False
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    # job artifacts -----------------------------------------------------------------------------------
    def tmp_dir(self) -> contextlib.AbstractContextManager[Path]:
        """A private folder under ``root/tmp`` for one render, removed afterwards."""
        return _private_tmp(self.root / "tmp")

    def job_dir(self, job_id: str) -> Path:
        return self.root / "jobs" / job_id

    def stage(self, files: dict[str, Path]) -> None:
        """Nothing to upload: the files already sit on the filesystem they are renamed within."""
        for name in files:
            _check_name(name)

    def publish(self, job_id: str, files: dict[str, Path]) -> None:
        """Rename complete files into the job's folder (each rename is atomic; same name replaces)."""
        final_dir = self.job_dir(job_id)
        final_dir.mkdir(parents=True, exist_ok=True)
        for name, src in files.items():
            _check_name(name)
            os.replace(src, final_dir / name)
        fsync_dir(final_dir)

    def discard(self, job_id: str) -> None:
        """Remove whatever a failed job published (a timeout can strike between two renames)."""
        shutil.rmtree(self.job_dir(job_id), ignore_errors=True)

    def artifact_path(self, job_id: str, name: str) -> Path | None:
        if not ARTIFACT_NAME.match(name):
            return None
        path = self.job_dir(job_id) / name
        return path if path.is_file() else None

    def open_artifact(self, job_id: str, name: str) -> StoredFile | None:
        path = self.artifact_path(job_id, name)
        if path is None:
            return None
        return StoredFile(size=path.stat().st_size, path=path, sha256=None, reader=_read_file(path))

    def artifact_names(self, job_id: str) -> list[str]:
        d = self.job_dir(job_id)
        return sorted(p.name for p in d.iterdir() if p.is_file()) if d.is_dir() else []

    def sweep_tmp(self, older_than: float) -> int:
        """Remove temp folders left by SIGKILLed workers (older than ``older_than`` seconds)."""
        return _sweep_local_tmp(self.root / "tmp", older_than)

    def writable(self) -> bool:
        return _probe_writable(self.root / "tmp")


# --- S3-compatible object storage ----------------------------------------------------------------------


@contextlib.contextmanager
def _s3_errors(what: str) -> Iterator[None]:
    """botocore's exceptions -> :class:`StorageError` (never classified by message text)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", "error"))
        raise StorageError(errno.EIO, f"S3 {what}: {code}") from exc
    except BotoCoreError as exc:
        raise StorageError(errno.EIO, f"S3 {what}: {type(exc).__name__}") from exc


def _not_found(exc: BaseException | None) -> bool:
    from botocore.exceptions import ClientError

    if not isinstance(exc, ClientError):
        return False
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status == 404 or exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


_client_lock = threading.Lock()


@functools.cache
def _install_fork_reset() -> None:
    """A forked child (an RQ work horse) gets a fresh client lock: the parent's may have been held mid-fork."""

    def reset() -> None:
        global _client_lock
        _client_lock = threading.Lock()

    os.register_at_fork(after_in_child=reset)


class S3Storage:
    """Keys ``<prefix>assets/ab/<sha256>``, ``<prefix>jobs/<job id>/<name>``, ``<prefix>tmp/<token>/<name>``.

    ``root`` is local: ``root/tmp`` (uploads and renders on their way in), ``root/cache/assets`` (assets
    fetched for rendering, verified against their content address, pruned to ``cache_bytes``).

    Credentials come from boto3's standard chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``,
    ``AWS_PROFILE``, an instance or task role); never from our settings. The boto3 client is made per
    process on first use (RQ forks work horses: a pooled connection must not be shared across a fork).
    """

    def __init__(
        self,
        root: Path,
        *,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        addressing_style: str = "auto",
        send_checksums: bool = True,
        cache_bytes: int = 2 << 30,
    ) -> None:
        if not bucket:
            raise ValueError("S3 storage needs a bucket")
        if importlib.util.find_spec("boto3") is None:
            raise RuntimeError("storage=s3 needs boto3: pip install 'render-engine[s3]'")
        self.root = root
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint_url = endpoint_url
        self.region = region
        self.addressing_style = addressing_style
        self.send_checksums = send_checksums
        self.cache_bytes = cache_bytes
        self._clients: dict[tuple[int, bool], Any] = {}
        self._staged: dict[str, list[str]] = {}  # private tmp folder -> its staged keys (GIL-atomic ops)
        _install_fork_reset()
        for sub in ("tmp", "cache/assets"):
            (root / sub).mkdir(parents=True, exist_ok=True)

    # plumbing ----------------------------------------------------------------------------------------
    def client(self, *, probe: bool = False) -> Any:
        """This process's boto3 S3 client (``probe``: short timeouts, one attempt, for /readyz)."""
        key = (os.getpid(), probe)
        c = self._clients.get(key)
        if c is None:
            with _client_lock:  # a boto3 Session is not thread-safe; the clients it makes are
                c = self._clients.get(key)
                if c is None:
                    c = self._clients[key] = self._make_client(probe)
        return c

    def _make_client(self, probe: bool) -> Any:
        import boto3
        from botocore.config import Config

        config = Config(
            s3={"addressing_style": self.addressing_style},
            retries={"mode": "standard", "max_attempts": 1 if probe else 5},
            connect_timeout=2 if probe else 10,
            read_timeout=5 if probe else 60,
            # boto3's default CRC32 trailer is not understood by every S3-compatible server: we send our
            # own SHA-256 where wanted (put/copy), nothing otherwise
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        session = boto3.session.Session()
        return session.client("s3", endpoint_url=self.endpoint_url, region_name=self.region, config=config)

    def _key(self, *parts: str) -> str:
        return self.prefix + "/".join(parts)

    def _asset_key(self, asset_id: str) -> str:
        return self._key("assets", asset_id[:2], asset_id)

    def _staging_key(self, path: Path) -> str:
        """A render's file ``root/tmp/<private folder>/<name>`` stages at ``tmp/<private folder>/<name>``."""
        if path.parent.parent != self.root / "tmp":
            raise ValueError(f"{path} is not in a folder made by tmp_dir()")
        return self._key("tmp", path.parent.name, path.name)

    def _put_file(self, key: str, path: Path, sha256: str | None = None) -> str:
        digest = sha256 or sha256_file(path)
        extra: dict[str, Any] = {"Metadata": {"sha256": digest}}
        ctype = mimetypes.guess_type(path.name)[0]
        if ctype:
            extra["ContentType"] = ctype
        if self.send_checksums:
            extra["ChecksumSHA256"] = base64.b64encode(bytes.fromhex(digest)).decode()
        with _s3_errors("upload"), open(path, "rb") as fh:
            self.client().put_object(Bucket=self.bucket, Key=key, Body=fh, **extra)
        return digest

    def _delete_prefix(self, prefix: str, older_than: float | None = None) -> int:
        """Delete the objects under ``prefix`` (only those last modified before ``older_than`` s ago)."""
        c = self.client()
        n = 0
        cutoff = time.time() - older_than if older_than is not None else None
        with _s3_errors("delete"):
            for page in c.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                doomed = [
                    {"Key": o["Key"]}
                    for o in page.get("Contents", [])
                    if cutoff is None or o["LastModified"].timestamp() < cutoff
                ]
                if doomed:
                    c.delete_objects(Bucket=self.bucket, Delete={"Objects": doomed, "Quiet": True})
                    n += len(doomed)
        return n

    # assets ------------------------------------------------------------------------------------------
    def asset_path(self, asset_id: str) -> Path:
        """id -> a local copy (from the cache, else fetched and checked against its SHA-256), or AssetError."""
        if not ASSET_ID.match(asset_id):
            raise AssetError("unknown asset id", field="asset_id")
        cached = self.root / "cache" / "assets" / asset_id[:2] / asset_id
        if cached.is_file():
            with contextlib.suppress(OSError):
                os.utime(cached)  # recently used: the cache prunes least recently used first
            return cached
        cached.parent.mkdir(exist_ok=True)
        # fetched into tmp/ (``asset-*``: the sweep removes a killed worker's), fsynced, renamed into the cache
        with atomic_path(cached, prefix="asset-", tmp_dir=self.root / "tmp", fsync=True, sync_dir=False) as tmp:
            h = hashlib.sha256()
            with open(tmp, "wb") as fh:
                try:
                    with _s3_errors("asset download"):
                        body = self.client().get_object(Bucket=self.bucket, Key=self._asset_key(asset_id))["Body"]
                        for block in body.iter_chunks(CHUNK):
                            h.update(block)
                            fh.write(block)
                except StorageError as exc:
                    if _not_found(exc.__cause__):
                        raise AssetError(UNKNOWN_ASSET, field="asset_id") from None
                    raise
            if h.hexdigest() != asset_id:
                raise StorageError(errno.EIO, "S3 asset download: content does not match its SHA-256")
        return cached

    def put_asset(self, tmp: Path, sha256: str) -> str:
        """Upload a complete temp file, keep it in the cache. Content the bucket already has is uploaded
        again all the same: that renews its ``LastModified``, from which asset retention counts."""
        key = self._asset_key(sha256)
        self._put_file(key, tmp, sha256)
        cached = self.root / "cache" / "assets" / sha256[:2] / sha256
        cached.parent.mkdir(exist_ok=True)
        if cached.exists():
            tmp.unlink(missing_ok=True)
        else:
            os.replace(tmp, cached)
        return sha256

    def asset_exists(self, asset_id: str) -> bool:
        """In the bucket (not merely in this host's cache: another host may have deleted it)."""
        if not ASSET_ID.match(asset_id):
            return False
        try:
            with _s3_errors("asset lookup"):
                self.client().head_object(Bucket=self.bucket, Key=self._asset_key(asset_id))
        except StorageError as exc:
            if _not_found(exc.__cause__):
                return False
            raise
        return True

    def old_assets(self, before: float, limit: int) -> list[str]:
        """Assets whose object was last written before ``before`` (epoch seconds), at most ``limit``."""
        out: list[str] = []
        with _s3_errors("list"):
            pages = self.client().get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self._key("assets") + "/"
            )
            for page in pages:
                for o in page.get("Contents", []):
                    name = o["Key"].rsplit("/", 1)[-1]
                    if ASSET_ID.match(name) and o["LastModified"].timestamp() < before:
                        out.append(name)
                        if len(out) >= limit:
                            return out
        return out

    def delete_asset(self, asset_id: str, before: float | None = None) -> bool:
        """Delete from the bucket (only if still last written before ``before``: not uploaded again
        meanwhile) and from this host's cache (other hosts' cached copies age out of their caches; job
        creation checks the bucket, not a cache)."""
        if not ASSET_ID.match(asset_id):
            return False
        key = self._asset_key(asset_id)
        try:
            with _s3_errors("asset lookup"):
                head = self.client().head_object(Bucket=self.bucket, Key=key)
        except StorageError as exc:
            if _not_found(exc.__cause__):
                return False
            raise
        if before is not None and head["LastModified"].timestamp() >= before:
            return False
        with _s3_errors("delete"):
            self.client().delete_object(Bucket=self.bucket, Key=key)
        (self.root / "cache" / "assets" / asset_id[:2] / asset_id).unlink(missing_ok=True)
        return True

    # job artifacts -----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def tmp_dir(self) -> Iterator[Path]:
        """A private local folder for one render; its staged objects go with it."""
        with _private_tmp(self.root / "tmp") as d:
            try:
                yield d
            finally:
                if keys := self._staged.pop(d.name, None):
                    with contextlib.suppress(OSError), _s3_errors("delete"):  # else: sweep_tmp, later
                        objects: list[dict[str, str]] = [{"Key": k} for k in keys]
                        self.client().delete_objects(Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True})

    def stage(self, files: dict[str, Path]) -> None:
        """Upload complete files to their staging keys (before the publish lock; nothing reads ``tmp/``)."""
        for name, src in files.items():
            _check_name(name)
            key = self._staging_key(src)
            self._staged.setdefault(src.parent.name, []).append(key)
            self._put_file(key, src)

    def publish(self, job_id: str, files: dict[str, Path]) -> None:
        """Server-side copy of each staged file to ``jobs/<id>/<name>`` (atomic per object; same name replaces)."""
        c = self.client()
        for name, src in files.items():
            _check_name(name)
            key = self._staging_key(src)
            if key not in self._staged.get(src.parent.name, ()):
                self.stage({name: src})  # a caller that skipped stage(): upload now, under its lock
            extra: dict[str, Any] = {"ChecksumAlgorithm": "SHA256"} if self.send_checksums else {}
            source = {"Bucket": self.bucket, "Key": key}
            with _s3_errors("publish"):
                c.copy_object(Bucket=self.bucket, Key=self._key("jobs", job_id, name), CopySource=source, **extra)

    def discard(self, job_id: str) -> None:
        """Remove whatever a failed job published."""
        self._delete_prefix(self._key("jobs", job_id) + "/")

    def open_artifact(self, job_id: str, name: str) -> StoredFile | None:
        if not ARTIFACT_NAME.match(name):
            return None
        key = self._key("jobs", job_id, name)
        try:
            with _s3_errors("artifact lookup"):
                head = self.client().head_object(Bucket=self.bucket, Key=key)
        except StorageError as exc:
            if _not_found(exc.__cause__):
                return None
            raise

        def read(start: int, stop: int) -> Iterator[bytes]:
            with _s3_errors("download"):
                got = self.client().get_object(Bucket=self.bucket, Key=key, Range=f"bytes={start}-{stop - 1}")
                yield from got["Body"].iter_chunks(CHUNK)

        meta = head.get("Metadata") or {}
        return StoredFile(size=int(head["ContentLength"]), path=None, sha256=meta.get("sha256"), reader=read)

    def artifact_names(self, job_id: str) -> list[str]:
        prefix = self._key("jobs", job_id) + "/"
        names: list[str] = []
        with _s3_errors("list"):
            for page in self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                names += [o["Key"][len(prefix) :] for o in page.get("Contents", [])]
        return sorted(names)

    # housekeeping ------------------------------------------------------------------------------------
    def sweep_tmp(self, older_than: float) -> int:
        """Remove local temp folders and staged objects of SIGKILLed workers; prune the asset cache."""
        n = _sweep_local_tmp(self.root / "tmp", older_than)
        self.prune_cache()
        return n + self._delete_prefix(self._key("tmp") + "/", older_than)

    def prune_cache(self) -> int:
        """Least recently used cached assets go until the cache fits ``cache_bytes`` (each is re-fetchable)."""
        files = []
        for p in (self.root / "cache" / "assets").glob("*/*"):
            with contextlib.suppress(OSError):
                st = p.stat()
                files.append((st.st_mtime, st.st_size, p))
        return prune_lru(files, Path.unlink, max_bytes=self.cache_bytes)

    def writable(self) -> bool:
        """The local scratch folder takes files and the bucket answers (short timeouts: /readyz)."""
        if not _probe_writable(self.root / "tmp"):
            return False
        try:
            self.client(probe=True).head_bucket(Bucket=self.bucket)
        except Exception:
            return False
        return True
