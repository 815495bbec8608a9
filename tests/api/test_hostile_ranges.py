"""``Range`` headers on downloads (a fifth hostile pass): Starlette's ``FileResponse`` answered a malformed
header (``bytes=5-1``, ``bytes=abc``, ``items=0-1``) with a plain-text 400 and an unsatisfiable one among
several ranges with a bare 416 — not the JSON every other error is — and, for a batch's zip (a temp file
removed by a background task), ran no background task: every such request left a zip in the temp folder.
Now a malformed header is ignored (the whole file: RFC 9110 lets a server ignore any Range) and an
unsatisfiable one is the JSON 416 ``range_not_satisfiable``; the zip is removed either way."""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.toolkit import PRINT_UNIT, STOREFRONT, S, api_client

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")
MALFORMED = ["bytes=5-1", "bytes=abc", "items=0-1", "bytes=", "bytes=-"]


@pytest.fixture(scope="module")
def done(tmp_path_factory: pytest.TempPathFactory, engine: Any) -> Iterator[tuple[Any, str, str]]:
    """A client, a ready job's print.png URL and a ready batch's files.zip URL."""
    keys = f"storefront:{STOREFRONT},print-unit:{PRINT_UNIT}"
    with api_client(tmp_path_factory.mktemp("ranges"), engine, api_keys=keys) as c:
        body = {"design_template": "christmas-tree", "product": "coaster-95-round", "outputs": {"formats": ["png"]}}
        job = c.post("/v1/jobs", json={**body, "values": {"name": "Asha"}}, headers=S).json()["job_id"]
        batch = c.post("/v1/batches", json={**body, "rows": [{"name": "Ravi"}]}, headers=S).json()["batch_id"]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            rec = c.get(f"/v1/jobs/{job}", headers=S).json()
            ready = c.get(f"/v1/batches/{batch}/files.zip", headers=S).status_code == 200
            if rec["state"] in ("ready", "failed") and ready:
                break
            time.sleep(0.2)
        assert rec["state"] == "ready", rec
        png = next(a for a in rec["artifacts"] if a["name"] == "print.png")
        yield c, png["url"], f"/v1/batches/{batch}/files.zip"


@pytest.mark.parametrize("rng", MALFORMED)
def test_a_malformed_range_is_ignored_not_a_plain_text_400(done: tuple[Any, str, str], rng: str) -> None:
    c, png, _zip = done
    full = c.get(png, headers=S)
    r = c.get(png, headers={**S, "Range": rng})
    assert r.status_code == 200 and r.content == full.content, (rng, r.status_code, r.text[:100])
    part = c.get(png, headers={**S, "Range": "bytes=0-9"})
    assert part.status_code == 206 and part.content == full.content[:10]


def test_an_unsatisfiable_range_among_several_is_the_json_416(done: tuple[Any, str, str]) -> None:
    c, png, _zip = done
    r = c.get(png, headers={**S, "Range": "bytes=0-1,99999999-"})
    assert r.status_code == 416 and r.json()["code"] == "range_not_satisfiable", (r.status_code, r.text[:100])
    assert r.json()["field"] == "Range" and r.headers["content-range"].startswith("bytes */")


def test_the_batch_zip_leaves_no_temp_file_whatever_the_range(
    done: tuple[Any, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    c, _png, zip_url = done
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    whole = c.get(zip_url, headers=S)
    assert whole.status_code == 200 and whole.content[:2] == b"PK"
    for rng in [*MALFORMED, "bytes=0-1,99999999-", "bytes=99999999-", "bytes=0-99"]:
        r = c.get(zip_url, headers={**S, "Range": rng})
        assert r.status_code in (200, 206, 416), (rng, r.status_code)
        if r.status_code == 200:
            assert hashlib.sha256(r.content).digest() == hashlib.sha256(whole.content).digest(), rng
        elif r.status_code == 416:
            assert r.json()["code"] == "range_not_satisfiable", rng
        time.sleep(0.05)
    assert list(tmp_path.glob("batch-*.zip")) == [], list(tmp_path.iterdir())
