"""Per-row photos uploaded as files with a batch (#19): ``POST /v1/batches/upload`` with ``photos`` parts or a
``photos_zip``, named by the rows' photo cells (and ``options.photos``). Each named file is stored as an asset
after a full decode; a name no file has, or a file that is no image, is a 422 naming the row and the slot."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from tests.toolkit import STOREFRONT, S, api_client

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

OPTIONS = {"design_template": "corporate-logo-name", "product": "card-5x7", "values": {"company": "Acme Tiles"},
           "outputs": {"formats": ["png"], "proof": False, "dpi": 30}}  # fmt: skip


def png(color: tuple[int, int, int], size: int = 600) -> bytes:
    buf = io.BytesIO()
    img = Image.new("RGB", (size, size), "white")
    img.paste(Image.new("RGB", (size // 2, size // 2), color), (size // 4, size // 4))
    img.save(buf, "PNG")
    return buf.getvalue()


RED, BLUE, UNUSED = png((200, 30, 30)), png((30, 30, 200)), png((30, 160, 30))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, engine: Any) -> Iterator[Any]:
    with api_client(tmp_path_factory.mktemp("photos"), engine, api_keys=f"storefront:{STOREFRONT}",
                    embedded_workers=0) as c:  # fmt: skip
        yield c


def upload(client: Any, csv: str, files_: dict[str, bytes] | None = None, zipped: bytes | None = None,
           headers: dict[str, str] | None = None, **options: Any) -> Any:  # fmt: skip
    files: list[tuple[str, Any]] = [("file", ("staff.csv", csv.encode(), "text/csv")),
                                    ("options", (None, json.dumps({**OPTIONS, **options})))]  # fmt: skip
    files += [("photos", (name, data, "application/octet-stream")) for name, data in (files_ or {}).items()]
    if zipped is not None:
        files.append(("photos_zip", ("photos.zip", zipped, "application/zip")))
    return client.post("/v1/batches/upload", files=files, headers=headers or S)


def logos(client: Any, batch: dict[str, Any]) -> list[str]:
    out = client.get(batch["url"], headers=S).json()
    store = client.app.state.render.services.store
    return [store.get(j["job_id"]).request["personalization"]["photos"]["logo"]["asset_id"] for j in out["jobs"]]


def zip_of(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


CSV = "name,logo\nAsha Rao,red.png\nMei Lin,blue.png\nOmar Haddad,red.png\n"


def test_rows_name_uploaded_photo_files_and_each_becomes_an_asset(client: Any) -> None:
    storage = client.app.state.render.services.storage
    h = {**S, "Idempotency-Key": "photos-by-file"}
    r = upload(client, CSV, {"red.png": RED, "blue.png": BLUE, "unused.png": UNUSED}, headers=h)
    assert r.status_code == 202, r.text
    assert r.json()["jobs"] == 3
    assert logos(client, r.json()) == [sha(RED), sha(BLUE), sha(RED)]
    assert storage.asset_exists(sha(RED)) and storage.asset_exists(sha(BLUE))
    assert not storage.asset_exists(sha(UNUSED))  # no row names it: not stored
    # the same files in a zip (in a folder, beside macOS litter): the same body, so the same batch
    zipped = zip_of({"staff/red.png": RED, "staff/blue.png": BLUE, "__MACOSX/staff/._red.png": b"x"})
    again = upload(client, CSV, zipped=zipped, headers=h)
    assert again.status_code == 200 and again.json()["batch_id"] == r.json()["batch_id"], again.text


def test_options_photos_may_name_a_file_shared_by_every_row(client: Any) -> None:
    r = upload(client, "name\nAsha Rao\nMei Lin\n", {"blue.png": BLUE}, photos={"logo": {"file": "blue.png"}})
    assert r.status_code == 202, r.text
    assert logos(client, r.json()) == [sha(BLUE), sha(BLUE)]


def test_a_name_no_file_has_is_a_problem_of_its_row_and_slot(client: Any) -> None:
    r = upload(client, "name,logo\nAsha Rao,red.png\nMei Lin,green.png\nOmar Haddad,\n", {"red.png": RED})
    assert r.status_code == 422, r.text
    out = r.json()
    assert out["code"] == "invalid_rows" and out["field"] == "rows[2].photos.logo"
    (p,) = out["problems"]
    assert p["field"] == "rows[2].photos.logo"
    assert p["message"] == "no file 'green.png' was uploaded with the rows (photos / photos_zip: red.png)"
    r = upload(client, "name\nAsha\n", {"red.png": RED}, photos={"logo": "blue.png"})
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "options.photos.logo", r.text


def test_a_file_that_is_no_image_is_a_problem_of_every_row_naming_it(client: Any) -> None:
    buf = io.BytesIO()
    Image.effect_noise((800, 800), 60).convert("RGB").save(buf, "JPEG", quality=90)
    cut = buf.getvalue()[: len(buf.getvalue()) // 2]  # a truncated JPEG: its header probes fine
    csv = "name,logo\nAsha Rao,cut.jpg\nMei Lin,red.png\nOmar Haddad,cut.jpg\nLi Wei,notes.png\n"
    r = upload(client, csv, {"cut.jpg": cut, "red.png": RED, "notes.png": b"just some text, not a PNG"})
    assert r.status_code == 422, r.text
    found = {p["field"]: p["message"] for p in r.json()["problems"]}
    assert sorted(found) == ["rows[1].photos.logo", "rows[3].photos.logo", "rows[4].photos.logo"]
    assert found["rows[1].photos.logo"].startswith("cut.jpg: ") and found["rows[3].photos.logo"] == found[
        "rows[1].photos.logo"]  # fmt: skip
    assert found["rows[4].photos.logo"].startswith("notes.png: not a supported photo format")
    assert not client.app.state.render.services.storage.asset_exists(sha(cut))


def test_upload_parts_that_are_wrong_name_their_part(client: Any) -> None:
    r = upload(client, CSV, zipped=b"PK\x03\x04 not really a zip")
    assert r.status_code == 422 and r.json()["field"] == "photos_zip", r.text
    r = upload(client, CSV, {"red.png": RED}, zipped=zip_of({"a/red.png": RED}))
    assert r.status_code == 422 and r.json()["field"] == "photos_zip[red.png]", r.text
    assert "two photo files are named 'red.png'" in r.json()["message"]
    r = upload(client, "name,logo\nAsha,a.png|b.png\n", {"a.png": RED})
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "rows[1].photos.logo", r.text
