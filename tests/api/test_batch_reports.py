"""Large batches' reports and uploads (#19): the status of a batch with many problems lists the first
``api.batch_report.LISTED`` and links the full report (CSV and JSON, every problem naming its row and slot);
``POST /v1/batches/upload`` over ``batch_sync_rows`` rows (the default 100) goes the off-request path."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from api.batch_report import LISTED
from tests.api.test_batches_api import logo_png
from tests.toolkit import PRINT_UNIT, STOREFRONT, S, api_client, upload_asset

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")
OTHER = "other-shop-key-000000000001"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, engine: Any) -> Iterator[Any]:
    keys = f"storefront:{STOREFRONT},print-unit:{PRINT_UNIT},storefront:{OTHER}"
    with api_client(tmp_path_factory.mktemp("reports"), engine, api_keys=keys, reconcile_interval=0.5,
                    embedded_workers=0) as c:  # fmt: skip
        yield c


@pytest.fixture(scope="module")
def logo(client: Any) -> str:
    return upload_asset(client, logo_png())


def wait_checked(client: Any, url: str, timeout: float = 600) -> dict[str, Any]:
    end = time.monotonic() + timeout
    while (out := client.get(url, headers=S).json())["state"] == "validating":
        assert time.monotonic() < end, out["counts"]
        time.sleep(0.2)
    return dict(out)


OPTIONS = {"design_template": "corporate-logo-name", "product": "card-5x7", "values": {"company": "Acme Tiles"},
           "outputs": {"formats": ["png"], "proof": False, "dpi": 30}}  # fmt: skip


def test_an_invalid_batch_lists_the_first_problems_and_links_every_one(client: Any, logo: str) -> None:
    """120 rows, each with three problems (a name over 28 characters, two unknown slots): the status lists the
    first 100 problems (rows 1-34, row 34 cut to its first), counts 120 rows and 360 problems; the CSV and
    JSON downloads hold all 360, each naming its row and slot."""
    n = 120
    rows = [{"name": f"Employee number {i:03d} of the company", "nickname": "x", "team": "y"} for i in range(n)]
    body = {**OPTIONS, "photos": {"logo": {"asset_id": logo}}, "rows": rows}
    r = client.post("/v1/batches", json=body, headers=S)
    assert r.status_code == 202 and r.json()["state"] == "validating", r.text
    batch_id, url = r.json()["batch_id"], r.json()["url"]
    early = client.get(f"{url}/problems.csv", headers=S)
    assert early.status_code in (200, 409)  # 409 not_ready while the rows are being checked
    out = wait_checked(client, url)
    assert out["state"] == "invalid" and out["counts"] == {"invalid": n}
    listed = [(s["row"], p["field"]) for s in out["skipped"] for p in s["problems"]]
    assert len(listed) == LISTED == 100
    assert [s["row"] for s in out["skipped"]] == list(range(1, 35))
    assert {f for r, f in listed if r == 1} == {"rows[1].slots.name", "rows[1].slots.nickname", "rows[1].slots.team"}
    assert len(out["skipped"][-1]["problems"]) == 1  # row 34 cut at the cap
    assert out["problems"] == {"rows": n, "total": 3 * n, "listed": 100, "csv_url": f"{url}/problems.csv",
                               "json_url": f"{url}/problems.json"}  # fmt: skip
    got = client.get(url, headers=S)
    assert len(got.content) < 40_000, len(got.content)  # capped: not every problem on every poll

    r = client.get(f"{url}/problems.csv", headers=S)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert f'filename="batch-{batch_id}-problems.csv"' in r.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert lines[0] == ["row", "field", "code", "message"] and len(lines) == 1 + 3 * n
    by_row: dict[int, set[str]] = {}
    for row, field, code, message in lines[1:]:
        by_row.setdefault(int(row), set()).add(field)
        assert code and message
    assert sorted(by_row) == list(range(1, n + 1))
    assert by_row[120] == {"rows[120].slots.name", "rows[120].slots.nickname", "rows[120].slots.team"}
    name = next(m for _, f, _, m in lines[1:] if f == "rows[77].slots.name")
    assert name == "at most 28 characters (it has 34)"  # "Employee number 076 of the company"

    r = client.get(f"{url}/problems.json", headers=S)
    assert r.status_code == 200, r.text
    full = r.json()
    assert full["rows_invalid"] == n and full["problems_total"] == 3 * n
    assert [s["row"] for s in full["skipped"]] == list(range(1, n + 1))
    assert full["skipped"][:34][0]["problems"] == out["skipped"][0]["problems"]

    other = {"X-API-Key": OTHER}  # another shop's key sees neither the batch nor its report
    assert client.get(f"{url}/problems.csv", headers=other).status_code == 404
    assert client.get(f"{url}/problems.json", headers={"X-API-Key": PRINT_UNIT}).status_code == 200
    assert client.get("/v1/batches/" + "0" * 32 + "/problems.csv", headers=S).status_code == 404
    assert client.get("/v1/batches/nope/problems.json", headers=S).status_code == 404


def test_a_csv_cell_that_looks_like_a_formula_is_not_one() -> None:
    from api.batch_report import as_csv

    data = as_csv([{"row": 2, "problems": [{"field": "rows[2].slots.name", "code": "invalid_design",
                                            "message": "=HYPERLINK(\"x\")"}]}])  # fmt: skip
    (_, line) = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert line == ["2", "rows[2].slots.name", "invalid_design", '\'=HYPERLINK("x")']


def test_a_skip_invalid_batch_caps_its_skipped_rows_too(client: Any, logo: str) -> None:
    rows = [{"name": "x" * 40}] * 104 + [{"name": "Asha Rao"}]
    body = {**OPTIONS, "photos": {"logo": {"asset_id": logo}}, "rows": rows, "skip_invalid": True}
    r = client.post("/v1/batches", json=body, headers=S)
    assert r.status_code == 202, r.text
    out = wait_checked(client, r.json()["url"])
    assert out["state"] == "rendering" and out["counts"]["skipped"] == 104, out["counts"]
    assert [j["row"] for j in out["jobs"]] == [105]
    assert len(out["skipped"]) == 100 and out["problems"]["rows"] == 104 and out["problems"]["total"] == 104
    full = client.get(out["problems"]["json_url"], headers=S).json()
    assert [s["row"] for s in full["skipped"]] == list(range(1, 105))


def test_an_upload_over_100_rows_is_checked_off_the_request(client: Any, logo: str) -> None:
    """A 130-row CSV file through ``POST /v1/batches/upload`` (default ``batch_sync_rows``: 100): 202
    ``validating``, then checked by the validator; row 57's name is too long and is skipped
    (``skip_invalid``), the other 129 rows become jobs in row order; the same upload and key again is the
    same batch (200)."""
    assert client.app.state.render.services.settings.batch_sync_rows == 100
    names = [f"Employee {i:03d}" for i in range(1, 131)]
    names[56] = "Ravi Shankar Subramanian Iyer the Third"
    data = ("name,title\n" + "".join(f"{n},Engineer\n" for n in names)).encode()
    options = json.dumps({**OPTIONS, "photos": {"logo": {"asset_id": logo}}, "skip_invalid": True})
    files = {"file": ("staff.csv", data, "text/csv"), "options": (None, options)}
    h = {**S, "Idempotency-Key": "upload-130"}
    r = client.post("/v1/batches/upload", files=files, headers=h)
    assert r.status_code == 202, r.text
    assert r.json()["state"] == "validating" and r.json()["rows"] == 130 and r.json()["jobs"] == 0
    out = wait_checked(client, r.json()["url"])
    assert out["state"] == "rendering", out["state"]
    assert [j["row"] for j in out["jobs"]] == [i for i in range(1, 131) if i != 57]
    assert [(s["row"], [(p["field"], p["message"]) for p in s["problems"]]) for s in out["skipped"]] == [
        (57, [("rows[57].slots.name", "at most 28 characters (it has 39)")])
    ]
    store = client.app.state.render.services.store
    rec = store.get(out["jobs"][99]["job_id"])  # row 101: past the synchronous limit, its own values
    assert rec is not None and rec.request["personalization"]["values"]["name"] == "Employee 101"
    again = client.post("/v1/batches/upload", files=files, headers=h)
    assert again.status_code == 200 and again.json()["batch_id"] == r.json()["batch_id"]
    assert again.json()["jobs"] == 129 and again.json()["skipped"] == 1
