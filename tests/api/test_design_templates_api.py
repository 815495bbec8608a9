"""``/v1/design-templates`` through FastAPI's TestClient (issue #19): the library with its slot definitions,
filling one into a native design that ``/v1/preflight`` accepts, and every slot problem in one 422."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.toolkit import SMALL_LIMITS, S, api_client, upload_asset

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, engine: Any) -> Iterator[Any]:
    with api_client(tmp_path_factory.mktemp("api"), engine, **SMALL_LIMITS) as c:
        yield c


@pytest.fixture(scope="module")
def photo_id(client: Any) -> str:
    return upload_asset(client, ROOT / "examples/assets/portrait.jpg")


def test_list_filters_and_slot_definitions(client: Any) -> None:
    r = client.get("/v1/design-templates", params={"product": "mug-11oz", "occasion": "diwali"}, headers=S)
    assert r.status_code == 200
    listed = r.json()["design_templates"]
    assert {t["id"] for t in listed} == {"diwali-diya", "diwali-diya-hi"}
    r = client.get("/v1/design-templates", params={"language": "zh"}, headers=S)
    zh = {t["id"]: t for t in r.json()["design_templates"]}
    assert set(zh) == {"spring-festival-couplet", "chinese-new-year-2027"}
    couplet = zh["spring-festival-couplet"]
    assert couplet["slots"]["family"] == {
        "type": "text", "label": "姓氏 / Family name", "required": True, "default": "王", "max_length": 2,
        "multiline": False, "scripts": ["Han"], "fonts": [], "colors": [], "sizes": [],
    }  # fmt: skip
    one = client.get("/v1/design-templates/birthday-balloons", headers=S).json()
    assert one["products"] == ["card-5x7", "mug-11oz"]
    assert client.get("/v1/design-templates/nope", headers=S).status_code == 404
    assert client.get("/v1/design-templates").status_code == 401


def test_fill_then_preflight(client: Any, photo_id: str) -> None:
    values = {"name": "Asha", "date": "2026-12-24"}
    body = {"product": "mug-11oz", "values": values, "photos": {"photo": {"asset_id": photo_id}}}
    r = client.post("/v1/design-templates/birthday-balloons/fill", json=body, headers=S)
    assert r.status_code == 200, r.text
    design = r.json()["design"]
    assert design["template"] == "mug-11oz"
    assert [layer["text"] for layer in design["layers"] if layer["type"] == "text"] == [
        "Happy Birthday", "Asha", "24 December 2026"
    ]  # fmt: skip
    r = client.post("/v1/preflight", json={"design": design}, headers=S)
    assert r.status_code == 200 and r.json()["ok"] is True, r.text


def test_fill_lists_every_slot_problem(client: Any) -> None:
    body = {
        "product": "mug-11oz",
        "values": {"name": "Asha the magnificent one", "age": "1234"},
        "photos": {"photo": {"asset_id": "0" * 64}},
    }
    r = client.post("/v1/design-templates/birthday-balloons/fill", json=body, headers=S)
    assert r.status_code == 422
    problems = {p["field"]: p["message"] for p in r.json()["problems"]}
    assert problems["slots.name"] == "at most 18 characters (it has 24)"
    assert problems["slots.age"] == "at most 3 characters (it has 4)"
    assert "photos.photo" in problems
    r = client.post(
        "/v1/design-templates/birthday-balloons/fill",
        json={"product": "mug-11oz", "values": {"name": "A"}, "photos": {"photo": {"path": "/etc/passwd"}}},
        headers=S,
    )
    assert r.status_code == 422 and r.json()["field"] == "photos.photo"
    r = client.post("/v1/design-templates/birthday-balloons/fill", json={"product": "poster-24x36"}, headers=S)
    assert r.status_code == 422 and r.json()["field"] == "product"


def test_thumbnail_is_a_mockup_with_placeholders(client: Any) -> None:
    import pyvips

    listed = client.get("/v1/design-templates", params={"occasion": "christmas"}, headers=S).json()["design_templates"]
    url = {t["id"]: t for t in listed}["christmas-tree"]["thumbnails"]["coaster-95-round"]
    assert url == "/v1/design-templates/christmas-tree/thumbnail?product=coaster-95-round"
    r = client.get(url + "&width=200", headers=S)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert pyvips.Image.new_from_buffer(r.content, "").width == 200
    r = client.get("/v1/design-templates/christmas-tree/thumbnail?product=poster-24x36", headers=S)
    assert r.status_code == 422 and r.json()["field"] == "product"
