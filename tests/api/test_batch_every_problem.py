"""``POST /v1/batches``: every problem of a refused batch in one answer. A batch too large to be checked inside
the request (over ``batch_sync_rows``) or over ``max_batch_rows`` with a wrong product named ``product`` alone
(or the row count alone); an unknown design template, a missing approval and a bad webhook came one at a time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from render_engine.engine import Engine
from tests.toolkit import STOREFRONT, api_client

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")
S = {"X-API-Key": STOREFRONT}
APPROVED = {"approved_by": "shop-ops"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, engine: Engine) -> Iterator[Any]:
    root: Path = tmp_path_factory.mktemp("batch-problems")
    with api_client(root, engine, batch_sync_rows=2, max_batch_rows=6, require_approval=True) as c:
        yield c


def _batch(n: int, **kw: Any) -> dict[str, Any]:
    return {"design_template": "birthday-balloons", "product": "coaster-95-round", "approval": APPROVED,
            "rows": [{"name": "A" * 40}] * n, **kw}  # fmt: skip


def _fields(r: Any) -> list[str]:
    return [p["field"] for p in r.json().get("problems", [r.json()])]


def test_a_batch_too_large_to_check_inline_lists_its_rows_with_the_product(client: Any) -> None:
    r = client.post("/v1/batches", json=_batch(4), headers=S)  # over batch_sync_rows: was `product` alone
    assert r.status_code == 422 and r.json()["field"] == "product", r.text
    fields = _fields(r)
    assert fields[0] == "product" and [f"rows[{n}].slots.name" for n in (1, 2, 3, 4)] == [
        f for f in fields if f.endswith(".slots.name")], fields  # fmt: skip
    assert not any(f.endswith("].product") for f in fields), "each row's product is the batch's"


def test_a_batch_over_the_row_limit_lists_the_limit_with_the_product(client: Any) -> None:
    r = client.post("/v1/batches", json=_batch(8), headers=S)  # was a 413 naming rows alone
    assert r.status_code == 422, r.text
    assert _fields(r) == ["product", "rows"], r.json()
    assert r.json()["problems"][1]["code"] == "limit_exceeded"


def test_the_requests_own_problems_come_together(client: Any) -> None:
    body = _batch(8, design_template="birthday-balloonz", webhook_url="http://127.0.0.1/hook")
    body.pop("approval")
    r = client.post("/v1/batches", json=body, headers=S)
    assert r.status_code == 422, r.text
    assert _fields(r) == ["design_template", "approval.approved_by", "webhook_url", "rows"], r.json()
    assert "did you mean birthday-balloons" in r.json()["problems"][0]["message"]
    assert [p["code"] for p in r.json()["problems"]] == ["invalid_design", "approval_required", "invalid_request",
                                                         "limit_exceeded"]  # fmt: skip


def test_a_lone_problem_answers_as_before(client: Any) -> None:
    r = client.post("/v1/batches", json=_batch(8, product="mug-11oz"), headers=S)
    assert r.status_code == 413 and r.json()["field"] == "rows" and "problems" not in r.json(), r.text
    r = client.post("/v1/batches", json={**_batch(1, product="mug-11oz"), "approval": None}, headers=S)
    assert r.status_code == 422 and r.json()["code"] == "approval_required", r.text
