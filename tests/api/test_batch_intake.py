"""Large batches checked off the request (#19): ``POST /v1/batches`` over ``batch_sync_rows`` rows stores them
and answers 202 ``validating``; the API's batch validator checks every row first and either reports every
problem (``invalid``, nothing rendered) or creates the jobs (``rendering``), on SQLite and PostgreSQL. A
validator that died mid-batch (its lease left to expire) is taken over from the first unchecked row; CSV rows
carry a ``photos`` list; re-posts with the same Idempotency-Key are the same batch."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.test_batches_api import logo_png
from tests.pg_support import postgres_server, private_schema
from tests.toolkit import PRINT_UNIT, STOREFRONT, S, api_client, upload_asset

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, engine: Any) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("intake")
    keys = f"storefront:{STOREFRONT},print-unit:{PRINT_UNIT}"
    opts = {"batch_sync_rows": 3, "max_asset_bytes": 4_000_000, "lease_seconds": 2.0, "reconcile_interval": 0.5}
    if request.param == "sqlite":
        with api_client(root, engine, api_keys=keys, **opts) as c:
            yield c
        return
    with (
        postgres_server() as url,
        private_schema(url) as schema_url,
        api_client(root, engine, api_keys=keys, job_store_url=schema_url, **opts) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def logo(client: Any) -> str:
    return upload_asset(client, logo_png())


def body(logo: str, rows: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {"design_template": "corporate-logo-name", "product": "card-5x7", "values": {"company": "Acme Tiles"},
            "photos": {"logo": {"asset_id": logo}}, "outputs": {"formats": ["png"], "proof": False, "dpi": 30},
            **({"rows": rows} if rows is not None else {}), **extra}  # fmt: skip


def wait_state(client: Any, batch_id: str, leave: tuple[str, ...], timeout: float = 240) -> dict[str, Any]:
    end = time.monotonic() + timeout
    while True:
        out: dict[str, Any] = client.get(f"/v1/batches/{batch_id}", headers=S).json()
        if out["state"] not in leave or time.monotonic() > end:
            return out
        time.sleep(0.1)


def jobs_count(client: Any) -> int:
    return sum(client.app.state.render.services.store.counts().values())


NAMES = ["Asha Rao", "Mei Lin", "Omar Haddad", "Zoë Müller", "Kenji Sato", "Priya Nair", "Lars Berg", "Ana Souza"]


def test_a_large_batch_is_validating_then_invalid_with_every_problem_and_nothing_rendered(
    client: Any, logo: str
) -> None:
    rows: list[dict[str, Any]] = [{"name": n} for n in NAMES]
    rows[2] = {"name": "Ravi Shankar Subramanian Iyer the Third"}  # at most 28 characters
    rows[5] = {"name": "Tom", "nickname": "T"}  # no such slot
    rows[6] = {"name": "Lee", "logo": "0" * 64}  # no such asset
    before = jobs_count(client)
    r = client.post("/v1/batches", json=body(logo, rows), headers=S)
    assert r.status_code == 202, r.text
    accepted = r.json()
    assert accepted["state"] == "validating" and accepted["rows"] == 8 and accepted["jobs"] == 0
    out = wait_state(client, accepted["batch_id"], ("validating",))
    assert out["state"] == "invalid", out
    assert out["counts"] == {"invalid": 3} and out["jobs"] == [] and out["rows"] == 8
    report = {p["field"]: p["message"] for s in out["skipped"] for p in s["problems"]}
    assert [s["row"] for s in out["skipped"]] == [3, 6, 7]
    assert report["rows[3].slots.name"] == "at most 28 characters (it has 39)"
    assert report["rows[6].slots.nickname"].startswith("unknown slot")
    assert any(f.startswith("rows[7].photos.logo") for f in report), report
    assert jobs_count(client) == before  # nothing was accepted, nothing renders
    zipped = client.get(f"/v1/batches/{accepted['batch_id']}/files.zip", headers=S)
    assert zipped.status_code == 409, zipped.text


def test_retention_deletes_invalid_batches_and_their_rows(client: Any, logo: str) -> None:
    from render_engine.farm.maintenance import purge_expired

    rows = [{"name": n} for n in NAMES[:3]] + [{"name": "x" * 40}]
    r = client.post("/v1/batches", json=body(logo, rows), headers=S)
    assert r.status_code == 202, r.text
    url = r.json()["url"]
    assert wait_state(client, r.json()["batch_id"], ("validating",))["state"] == "invalid"
    svc = client.app.state.render.services
    purge_expired(svc, now=time.time() + 29 * 86400)
    assert client.get(url, headers=S).status_code == 200  # kept for the retention period
    assert purge_expired(svc, now=time.time() + 31 * 86400) >= 1
    assert client.get(url, headers=S).status_code == 404
    assert (
        svc.store.unchecked_rows(r.json()["batch_id"], 10) == [] and svc.store.row_problems(r.json()["batch_id"]) == []
    )


def test_skip_invalid_renders_the_rest_and_a_repost_is_the_same_batch(client: Any, logo: str) -> None:
    rows: list[dict[str, Any]] = [{"name": n} for n in NAMES[:5]] + [{"name": "x" * 40}]
    h = {**S, "Idempotency-Key": f"big-order-{id(client)}"}
    r = client.post("/v1/batches", json=body(logo, rows, skip_invalid=True), headers=h)
    assert r.status_code == 202 and r.json()["state"] == "validating", r.text
    batch_id = r.json()["batch_id"]
    out = wait_state(client, batch_id, ("validating", "rendering", "held"))
    assert out["state"] == "ready", out
    assert out["counts"] == {"ready": 5, "skipped": 1}
    assert [j["row"] for j in out["jobs"]] == [1, 2, 3, 4, 5]
    assert [s["row"] for s in out["skipped"]] == [6]
    pngs = {j["row"]: next(a["sha256"] for a in j["artifacts"] if a["name"] == "print.png") for j in out["jobs"]}
    assert len(set(pngs.values())) == 5  # each row its own name
    n = jobs_count(client)
    again = client.post("/v1/batches", json=body(logo, rows, skip_invalid=True), headers=h)
    assert again.status_code == 200 and again.json()["batch_id"] == batch_id and again.json()["jobs"] == 5
    other = client.post("/v1/batches", json=body(logo, rows[:4], skip_invalid=True), headers=h)
    assert other.status_code == 409 and other.json()["field"] == "Idempotency-Key"
    assert jobs_count(client) == n


def test_a_dead_validator_is_taken_over_from_the_first_unchecked_row(client: Any, logo: str) -> None:
    """The validator that claimed the batch 'dies' after one chunk (here: a claim whose lease ran out and a
    result recorded for row 1 only): the running validator takes the batch over once the lease expires and
    checks rows 2.. only (row 1's recorded result is kept, not checked again)."""
    state = client.app.state.render
    store = state.services.store
    validator = state.validator
    validator.stop()  # this test plays both validators
    try:
        rows = [{"name": n} for n in NAMES[:4]]
        spec = {"body": body(logo, skip_invalid=True), "approved": None}
        summary = {"design_template": "corporate-logo-name", "product": "card-5x7", "rows": 4,
                   "outputs": spec["body"]["outputs"], "priority": "standard"}  # fmt: skip
        owner = next(k.name for k in state.keys if k.key == STOREFRONT)
        intake, created = store.stage_batch(spec, summary, rows, owner, "f" * 64, None)
        assert created
        dead = store.claim_intake(lease=60.0)
        assert dead is not None and dead.id == intake.id
        assert store.claim_intake(lease=60.0) is None  # leased: nobody else takes it
        marker = {"code": "invalid_design", "message": "recorded by the dead validator", "field": "rows[1]"}
        from render_engine.farm.store_intake import RowResult

        store.record_rows(intake.id, [RowResult(1, None, [marker])], lease=-1.0)  # then it died: lease over
        assert store.get_intake(intake.id).checked == 1
        from api.batch_validation import BatchValidator

        taken = BatchValidator(state).run_once()
        assert taken == intake.id
        out = client.get(f"/v1/batches/{intake.id}", headers=S).json()
        assert out["state"] in ("rendering", "ready"), out
        assert [j["row"] for j in out["jobs"]] == [2, 3, 4]  # row 1 kept its recorded result: not re-checked
        assert out["skipped"][0]["problems"][0]["message"] == "recorded by the dead validator"
        assert BatchValidator(state).run_once() is None  # accepted once: nothing left to validate
    finally:
        validator.start()


def test_csv_rows_carry_a_photos_list(client: Any) -> None:
    """A ``photos`` slot's CSV cell lists asset ids separated by '|': row 1 gives a calendar its 13 photos
    (cover and 12 months, in that order in the job's design); row 2 one photo -> rows[2].photos.photos."""
    import io
    import json

    from PIL import Image

    ids = []
    for i in range(13):
        buf = io.BytesIO()
        Image.new("RGB", (1300, 1160), (20 * i, 90, 255 - 15 * i)).save(buf, "JPEG", quality=60)
        r = client.post("/v1/assets", content=buf.getvalue(), headers=S)
        assert r.status_code == 201, r.text
        ids.append(r.json()["asset_id"])
    cells = ["The Raos," + "|".join(ids), "The Lins," + ids[0]]
    req = {
        "design_template": "family-calendar-2027",
        "product": "calendar-wall-a4",
        "outputs": {"formats": ["pdf"], "dpi": 30},
    }
    r = client.post("/v1/batches", json={**req, "csv": "title,photos\n" + "\n".join(cells) + "\n"}, headers=S)
    assert r.status_code == 422, r.text
    assert [(p["field"], p["message"]) for p in r.json()["problems"]] == [
        ("rows[2].photos.photos", "13 to 13 photos (it has 1)")
    ]
    r = client.post("/v1/batches", json={**req, "csv": "title,photos\n" + cells[0] + "\n"}, headers=S)
    assert r.status_code == 202, r.text
    (row,) = client.get(r.json()["url"], headers=S).json()["jobs"]
    rec = client.app.state.render.services.store.get(row["job_id"])
    found = [m for m in json.dumps(rec.request["design"]).split('"asset_id": "')[1:]]
    assert [m[:64] for m in found] == ids  # cover, then January to December


def test_a_validation_survives_its_api_process_being_sigkilled(tmp_path: Any) -> None:
    """Two real ``render-engine serve`` processes over one PostgreSQL job store: the first is SIGKILLed while
    its validator is inside a 600-row batch; the second takes the batch over when the lease runs out, from
    the first unchecked row, and creates each row's job exactly once."""
    import os
    import signal
    import subprocess
    import sys

    import httpx

    from tests.net_support import free_port, wait_until_answers

    def serve(url: str, log: Any) -> tuple[subprocess.Popen[bytes], str]:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("RENDER_ENGINE_") and k != "REDIS_URL"}
        env.update(RENDER_ENGINE_STORAGE_ROOT=str(tmp_path / "storage"), RENDER_ENGINE_JOB_STORE_URL=url,
                   RENDER_ENGINE_API_KEYS=f"storefront:{STOREFRONT}", RENDER_ENGINE_EMBEDDED_WORKERS="0",
                   RENDER_ENGINE_LEASE_SECONDS="3", RENDER_ENGINE_RECONCILE_INTERVAL="0.5")  # fmt: skip
        env.pop("PYTEST_CURRENT_TEST", None)
        proc = subprocess.Popen([sys.executable, "-m", "render_engine.cli", "serve", "--port", str(port)], env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        base = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            try:
                return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until_answers(answers, proc, "render-engine serve", timeout=120)
        return proc, base

    n = 600
    body = {"design_template": "christmas-tree", "product": "coaster-95-round", "outputs": {"formats": ["png"]},
            "rows": [{"name": f"Guest {i:03d}"} for i in range(n)]}  # fmt: skip
    procs: list[subprocess.Popen[bytes]] = []
    with postgres_server() as pg, private_schema(pg) as url, open(tmp_path / "serve.log", "wb") as log:
        try:
            first, a = serve(url, log)
            procs.append(first)
            r = httpx.post(f"{a}/v1/batches", json=body, headers=S, timeout=120)
            assert r.status_code == 202 and r.json()["state"] == "validating", r.text
            batch_url = r.json()["url"]
            end = time.monotonic() + 300
            while (checked := httpx.get(f"{a}{batch_url}", headers=S).json()["counts"].get("checked", 0)) < 50:
                assert time.monotonic() < end, "the validator never got going"
                time.sleep(0.05)
            os.killpg(first.pid, signal.SIGKILL)  # mid-batch: a chunk's results written, most rows not
            first.wait(30)
            assert checked < n
            second, b = serve(url, log)
            procs.append(second)
            end = time.monotonic() + 600
            while (out := httpx.get(f"{b}{batch_url}", headers=S, timeout=30).json())["state"] == "validating":
                assert time.monotonic() < end, out["counts"]
                time.sleep(0.2)
            assert out["state"] == "rendering", out["state"]
            rows = [j["row"] for j in out["jobs"]]
            assert rows == list(range(1, n + 1)) and out["skipped"] == []
            assert len({j["job_id"] for j in out["jobs"]}) == n
            import psycopg

            with psycopg.connect(url) as c:  # one job per row in the store: none created twice
                counted = c.execute("SELECT COUNT(*), COUNT(DISTINCT batch_row) FROM jobs").fetchone()
            assert counted == (n, n)
        finally:
            for p in procs:
                if p.poll() is None:
                    os.killpg(p.pid, signal.SIGTERM)
                    p.wait(30)
