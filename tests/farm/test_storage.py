"""The storage contract, run against both implementations: the local filesystem and S3-compatible object
storage (moto's S3 server on loopback, over HTTP: tests/s3_support.py — not AWS, not MinIO).

What every backend guarantees: assets are content-addressed and come back byte for byte; a render's files
are invisible until published and then appear as exactly one set, readable whole or by range; a failed
job's files can be discarded; a killed worker's leftovers are swept; storage faults are ``OSError``s.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from render_engine.farm.settings import ServiceSettings
from render_engine.farm.storage import LocalStorage, S3Storage, Storage, StorageError, make_storage, sha256_file
from render_engine.model.errors import AssetError
from tests.s3_support import keys, moto_s3, new_bucket
from tests.toolkit import PRINT_UNIT, STOREFRONT, app_client

ROOT = Path(__file__).resolve().parents[2]
JOB = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with moto_s3() as endpoint:
        yield endpoint


def s3_settings(endpoint: str, root: Path, bucket: str | None = None, **over: Any) -> ServiceSettings:
    return ServiceSettings(
        storage_root=root,
        storage="s3",
        s3_bucket=bucket or new_bucket(endpoint),
        s3_prefix="farm/",
        s3_endpoint_url=endpoint,
        s3_addressing_style="path",
        **{"api_keys": "", **over},
    )


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return make_storage(ServiceSettings(storage_root=tmp_path / "root", api_keys=""))
    endpoint = request.getfixturevalue("s3_endpoint")
    return make_storage(s3_settings(endpoint, tmp_path / "root"))


def _tmp_file(storage: Storage, data: bytes) -> Path:
    path = storage.root / "tmp" / f"upload-{hashlib.sha256(data).hexdigest()[:8]}-{time.monotonic_ns()}"
    path.write_bytes(data)
    return path


def _read(storage: Storage, job_id: str, name: str, start: int = 0, end: int | None = None) -> bytes:
    stored = storage.open_artifact(job_id, name)
    assert stored is not None
    return b"".join(stored.iter_range(start, end))


@contextlib.contextmanager
def _render(storage: Storage, files: dict[str, bytes]) -> Iterator[tuple[Path, dict[str, Path]]]:
    """A render's private folder holding ``files``, as the worker has it before publishing."""
    with storage.tmp_dir() as tmp:
        paths = {}
        for name, data in files.items():
            (tmp / name).write_bytes(data)
            paths[name] = tmp / name
        yield tmp, paths


def test_make_storage_follows_the_settings(tmp_path: Path) -> None:
    assert isinstance(make_storage(ServiceSettings(storage_root=tmp_path, api_keys="")), LocalStorage)
    s = make_storage(
        ServiceSettings(storage_root=tmp_path, storage="s3", s3_bucket="my-bucket", s3_prefix="a/b/", api_keys="")
    )
    assert isinstance(s, S3Storage) and (s.bucket, s.prefix) == ("my-bucket", "a/b/")
    with pytest.raises(ValueError, match="s3_bucket"):
        ServiceSettings(storage_root=tmp_path, storage="s3", api_keys="")


def test_assets_are_content_addressed(storage: Storage) -> None:
    data = (ROOT / "examples/assets/star.svg").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert storage.put_asset(_tmp_file(storage, data), digest) == digest
    assert storage.put_asset(_tmp_file(storage, data), digest) == digest  # again: same id, no error
    assert storage.asset_path(digest).read_bytes() == data
    assert [p for p in (storage.root / "tmp").iterdir() if p.name.startswith("upload-")] == []  # temp files consumed
    with pytest.raises(AssetError):
        storage.asset_path("0" * 64)
    with pytest.raises(AssetError):
        storage.asset_path("../../etc/passwd")


def test_old_assets_are_listed_by_last_upload_and_deleted_only_if_still_old(storage: Storage) -> None:
    """Asset retention's storage side: which assets were last uploaded before a time, and a delete that
    declines when the asset was uploaded again after that time (the bucket is checked, not a cache)."""
    ids = []
    for n in range(3):
        data = f"asset {n}".encode()
        ids.append(storage.put_asset(_tmp_file(storage, data), hashlib.sha256(data).hexdigest()))
    later = time.time() + 60
    assert storage.old_assets(time.time() - 3600, 10) == []
    assert sorted(storage.old_assets(later, 10)) == sorted(ids)
    assert len(storage.old_assets(later, 2)) == 2
    assert storage.delete_asset(ids[0], before=time.time() - 3600) is False  # uploaded since: kept
    assert storage.asset_exists(ids[0])
    assert storage.delete_asset(ids[0], before=later) is True
    assert not storage.asset_exists(ids[0]) and storage.delete_asset(ids[0]) is False
    with pytest.raises(AssetError):
        storage.asset_path(ids[0])  # this host's cached copy went too
    assert sorted(storage.old_assets(later, 10)) == sorted(ids[1:])
    data = b"asset 1"  # uploaded again: young again
    storage.put_asset(_tmp_file(storage, data), hashlib.sha256(data).hexdigest())
    assert storage.delete_asset(ids[1], before=time.time() - 1) is False


def test_publish_makes_one_complete_set_visible(storage: Storage) -> None:
    files = {"print.png": bytes(range(256)) * 5000, "preflight.json": b'{"ok": true}\n', "proof.png": b"p" * 10}
    with _render(storage, files) as (_, paths):
        storage.stage(paths)
        assert storage.artifact_names(JOB) == []  # staged is not published: nothing to see yet
        assert storage.open_artifact(JOB, "print.png") is None
        storage.publish(JOB, paths)
    assert storage.artifact_names(JOB) == sorted(files)
    for name, data in files.items():
        stored = storage.open_artifact(JOB, name)
        assert stored is not None and stored.size == len(data)
        assert _read(storage, JOB, name) == data
        assert stored.sha256 in (None, hashlib.sha256(data).hexdigest())
    big = files["print.png"]
    assert _read(storage, JOB, "print.png", 1000, 1_000_123) == big[1000:1_000_123]  # spans several chunks
    assert _read(storage, JOB, "print.png", len(big) - 7) == big[-7:]
    assert _read(storage, JOB, "print.png", 5, 5) == b""
    assert storage.open_artifact(JOB, "missing.pdf") is None
    assert storage.open_artifact(JOB, "../jobs.sqlite3") is None

    # a re-run (retry after a lost worker) republishes the same names: still exactly one set
    with _render(storage, {"print.png": b"second run", "preflight.json": b"{}\n", "proof.png": b"q"}) as (_, paths):
        storage.stage(paths)
        storage.publish(JOB, paths)
    assert storage.artifact_names(JOB) == sorted(files)
    assert _read(storage, JOB, "print.png") == b"second run"

    storage.discard(JOB)
    assert storage.artifact_names(JOB) == []
    assert storage.open_artifact(JOB, "print.png") is None


def test_bad_artifact_names_are_refused(storage: Storage) -> None:
    with _render(storage, {"print.png": b"x"}) as (_, paths):
        with pytest.raises(ValueError):
            storage.stage({"../escape": paths["print.png"]})
        with pytest.raises(ValueError):
            storage.publish(JOB, {"UPPER.png": paths["print.png"]})


def test_killed_workers_leftovers_are_swept(storage: Storage) -> None:
    cm = storage.tmp_dir()  # a render SIGKILLed after staging: its context never exits
    tmp = cm.__enter__()
    (tmp / "print.png").write_bytes(b"half of a render")
    storage.stage({"print.png": tmp / "print.png"})
    assert storage.sweep_tmp(older_than=3600) == 0  # recent: may still be in use
    time.sleep(1.1)  # S3 LastModified has one-second resolution
    assert storage.sweep_tmp(older_than=0.5) >= 1
    assert not tmp.exists()
    assert storage.artifact_names(JOB) == []
    if isinstance(storage, S3Storage):
        assert keys(storage.endpoint_url or "", storage.bucket, "farm/tmp/") == []


def test_finished_render_leaves_nothing_in_tmp(storage: Storage) -> None:
    with _render(storage, {"print.png": b"x", "preflight.json": b"{}"}) as (tmp, paths):
        storage.stage(paths)
        storage.publish(JOB, paths)
        left = tmp
    assert not left.exists()
    assert storage.writable()
    if isinstance(storage, S3Storage):
        assert keys(storage.endpoint_url or "", storage.bucket, "farm/") == [
            f"farm/jobs/{JOB}/{n}" for n in sorted(paths)
        ]


# --- S3 only -------------------------------------------------------------------------------------------


def test_s3_objects_carry_their_sha256_and_assets_are_verified(s3_endpoint: str, tmp_path: Path) -> None:
    from tests.s3_support import client

    settings = s3_settings(s3_endpoint, tmp_path / "api")
    api = make_storage(settings)
    data = (ROOT / "examples/assets/landscape.jpg").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    api.put_asset(_tmp_file(api, data), digest)
    key = f"farm/assets/{digest[:2]}/{digest}"
    head = client(s3_endpoint).head_object(Bucket=settings.s3_bucket, Key=key)
    assert head["Metadata"]["sha256"] == digest

    # another machine (empty cache) fetches it, and checks the bytes against the id
    worker = make_storage(settings.model_copy(update={"storage_root": tmp_path / "worker"}))
    got = worker.asset_path(digest)
    assert got.is_relative_to(tmp_path / "worker") and sha256_file(got) == digest

    client(s3_endpoint).put_object(Bucket=settings.s3_bucket, Key=key, Body=b"tampered")
    third = make_storage(settings.model_copy(update={"storage_root": tmp_path / "third"}))
    with pytest.raises(StorageError, match="does not match"):
        third.asset_path(digest)
    assert [p.name for p in (tmp_path / "third" / "tmp").iterdir()] == []  # the bad download is not kept


def test_s3_unreachable_is_an_oserror_and_not_ready(tmp_path: Path) -> None:
    from tests.net_support import free_port

    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    s = make_storage(
        ServiceSettings(storage_root=tmp_path, storage="s3", s3_bucket="nowhere", s3_endpoint_url=dead, api_keys="")
    )
    assert s.writable() is False
    assert isinstance(s, S3Storage)
    s._clients[(os.getpid(), False)] = s._make_client(probe=True)  # fail fast, without 5 retries
    with pytest.raises(OSError):
        s.open_artifact(JOB, "print.png")
    with pytest.raises(OSError):
        s.asset_path("a" * 64)


def test_s3_cache_is_pruned_least_recently_used_first(s3_endpoint: str, tmp_path: Path) -> None:
    s = make_storage(s3_settings(s3_endpoint, tmp_path / "root", s3_cache_mb=0))
    assert isinstance(s, S3Storage)
    s.cache_bytes = 250
    ids = []
    for n in range(3):
        data = bytes([n]) * 100
        ids.append(s.put_asset(_tmp_file(s, data), hashlib.sha256(data).hexdigest()))
        time.sleep(0.01)
    s.asset_path(ids[0])  # used again: now the most recent
    assert s.prune_cache() == 1
    cached = {p.name for p in (tmp_path / "root" / "cache" / "assets").glob("*/*")}
    assert cached == {ids[0], ids[2]}
    shutil.rmtree(tmp_path / "root" / "cache")
    (tmp_path / "root" / "cache" / "assets").mkdir(parents=True)
    assert s.asset_path(ids[1]).read_bytes() == bytes([1]) * 100  # pruned ones come back from the bucket


# --- the API over S3: uploads, a job rendered in-process, streamed and ranged downloads --------------------


@pytest.mark.filterwarnings("ignore:Using `httpx`")
def test_api_over_s3_streams_artifacts_with_ranges(s3_endpoint: str, tmp_path: Path, engine: Any) -> None:
    sf, pu = STOREFRONT, PRINT_UNIT
    settings = s3_settings(s3_endpoint, tmp_path / "api", redis_url=None, api_keys=f"storefront:{sf},print-unit:{pu}")
    photo = (ROOT / "examples/assets/portrait.jpg").read_bytes()
    design = {
        "version": 1,
        "template": "coaster-95-round",
        "layers": [
            {"type": "image", "asset_id": "", "box": {"x": -3, "y": -3, "width": 101, "height": 101}, "fit": "cover"},
            {"type": "text", "text": "S3", "font": {"family": "noto-sans", "weight": 700}, "size": 20,
             "color": "#ffffff", "box": {"x": 10, "y": 40, "width": 75, "height": 15}, "align": "center"},
        ],
    }  # fmt: skip
    with app_client(settings, engine) as c:
        assert c.get("/readyz").json()["checks"]["storage"] is True
        up = c.post("/v1/assets", content=photo, headers={"X-API-Key": sf})
        assert up.status_code == 201, up.text
        design["layers"][0]["asset_id"] = up.json()["asset_id"]
        r = c.post("/v1/jobs", json={"design": design, "outputs": {"formats": ["png"]}}, headers={"X-API-Key": sf})
        assert r.status_code == 202, r.text
        jid = r.json()["job_id"]
        for _ in range(600):
            job = c.get(f"/v1/jobs/{jid}", headers={"X-API-Key": pu}).json()
            if job["state"] in ("ready", "failed"):
                break
            time.sleep(0.05)
        assert job["state"] == "ready", job
        assert [a["name"] for a in job["artifacts"]] == ["print.png", "preflight.json", "proof.png"]
        # everything lives in the bucket; nothing of the job's is on the API's disk
        assert keys(s3_endpoint, settings.s3_bucket, f"farm/jobs/{jid}/") == [
            f"farm/jobs/{jid}/{n}" for n in ("preflight.json", "print.png", "proof.png")
        ]
        assert not (tmp_path / "api" / "jobs").exists()
        assert keys(s3_endpoint, settings.s3_bucket, "farm/tmp/") == []  # staging objects removed

        png = next(a for a in job["artifacts"] if a["name"] == "print.png")
        h = {"X-API-Key": pu}
        full = c.get(png["url"], headers=h)
        assert full.status_code == 200 and hashlib.sha256(full.content).hexdigest() == png["sha256"]
        assert int(full.headers["content-length"]) == png["bytes"] == len(full.content)
        assert full.headers["etag"] == f'"{png["sha256"]}"' and full.headers["accept-ranges"] == "bytes"
        assert full.headers["content-type"] == "image/png" and "attachment" in full.headers["content-disposition"]
        part = c.get(png["url"], headers={**h, "Range": "bytes=100-199"})
        assert part.status_code == 206 and part.content == full.content[100:200]
        assert part.headers["content-range"] == f"bytes 100-199/{png['bytes']}"
        tail = c.get(png["url"], headers={**h, "Range": "bytes=-10"})
        assert tail.status_code == 206 and tail.content == full.content[-10:]
        past = c.get(png["url"], headers={**h, "Range": f"bytes={png['bytes']}-"})
        assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{png['bytes']}"
        assert past.json() == {
            "code": "range_not_satisfiable",
            "message": f"the range starts past the end of the file ({png['bytes']} bytes)",
            "field": "Range",
        }
        stale = c.get(png["url"], headers={**h, "Range": "bytes=0-9", "If-Range": '"an-old-etag"'})
        assert stale.status_code == 200 and stale.content == full.content
        assert c.get(png["url"], headers={**h, "If-None-Match": f'"{png["sha256"]}"'}).status_code == 304
        assert c.get(f"/v1/jobs/{jid}/files/print.pdf", headers=h).status_code == 404


def test_parse_range() -> None:
    from api.streaming import Unsatisfiable, parse_range

    assert parse_range(None, 100) is None
    assert parse_range("bytes=0-9", 100) == (0, 10)
    assert parse_range("bytes=90-", 100) == (90, 100)
    assert parse_range("bytes=90-1000", 100) == (90, 100)
    assert parse_range("bytes=-5", 100) == (95, 100)
    assert parse_range("bytes=-500", 100) == (0, 100)
    assert parse_range("bytes=0-1,5-6", 100) is None  # several ranges: the whole file
    assert parse_range("items=0-1", 100) is None
    assert parse_range("bytes=9-3", 100) is None
    assert parse_range("bytes=-", 100) is None
    for bad in ("bytes=100-", "bytes=100-200", "bytes=-0"):
        with pytest.raises(Unsatisfiable):
            parse_range(bad, 100)
