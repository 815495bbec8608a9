"""Issue 7: the API stays responsive while previews saturate the cores. How fast is measured by
``render-bench --workloads W6`` (no timings here); these tests pin the structure that makes it so:
``/healthz`` and the auth/state dependencies run on the event loop (no threadpool hop per request), and
the preview gate defaults to one render per usable core."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import api.deps as deps
from api.errors import ApiError
from render_engine.engine import Engine
from render_engine.farm.settings import ServiceSettings
from tests.toolkit import PRINT_UNIT, STOREFRONT, app_client

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

SF = STOREFRONT
PU = PRINT_UNIT


@pytest.fixture
def client(tmp_path: Path, engine: Engine) -> Iterator[Any]:
    settings = ServiceSettings(storage_root=tmp_path, api_keys=f"storefront:{SF},print-unit:{PU}")
    with app_client(settings, engine) as c:
        yield c


def test_healthz_is_answered_on_the_event_loop(client: Any) -> None:
    from api.routes import health

    assert inspect.iscoroutinefunction(health.healthz)
    assert client.get("/healthz").json() == {"status": "ok"}


def test_state_and_key_dependencies_are_async() -> None:
    from api.routes.jobs import AnyKey

    for alias in (deps.State, deps.Storefront, deps.PrintUnit, AnyKey):
        dependency = alias.__metadata__[0].dependency
        assert inspect.iscoroutinefunction(dependency), alias


def test_require_stays_a_plain_function_for_combined_scopes(client: Any) -> None:
    state = client.app.state.render
    assert "storefront" in deps.require("storefront")(state, SF).scopes
    with pytest.raises(ApiError) as exc:
        deps.require("print-unit")(state, SF)
    assert exc.value.http_status == 403


def test_scoped_endpoints_still_check_keys(client: Any) -> None:
    assert client.get("/v1/templates").status_code == 401
    assert client.get("/v1/templates", headers={"X-API-Key": "x" * 32}).status_code == 401
    assert client.get("/v1/templates", headers={"X-API-Key": PU}).status_code == 403
    assert client.get("/v1/templates", headers={"X-API-Key": SF}).status_code == 200


@pytest.mark.parametrize(("cores", "expected"), [(1, 1), (2, 2), (64, 4)])
def test_preview_slots_default_to_the_usable_cores(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cores: int, expected: int
) -> None:
    monkeypatch.setattr(deps, "usable_cores", lambda: cores)
    assert deps.preview_slots(ServiceSettings(storage_root=tmp_path)) == expected


def test_an_explicit_preview_limit_is_used_as_given(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(deps, "usable_cores", lambda: 2)
    assert deps.preview_slots(ServiceSettings(storage_root=tmp_path, max_concurrent_previews=6)) == 6
    monkeypatch.setenv("RENDER_ENGINE_MAX_CONCURRENT_PREVIEWS", "3")
    assert deps.preview_slots(ServiceSettings(storage_root=tmp_path)) == 3


def test_usable_cores_is_positive() -> None:
    assert deps.usable_cores() >= 1


def test_healthz_answers_while_every_preview_slot_is_busy(client: Any) -> None:
    gate = client.app.state.render.gate
    release = threading.Event()
    started = threading.Semaphore(0)

    def hold() -> None:
        started.release()
        release.wait(30)

    holders = [threading.Thread(target=gate.run, args=(hold,)) for _ in range(gate.slots)]
    for t in holders:
        t.start()
    for _ in holders:
        assert started.acquire(timeout=30)
    try:
        with pytest.raises(ApiError) as exc:
            gate.run(lambda: None)
        assert exc.value.http_status == 429
        r = client.get("/healthz")
        assert r.status_code == 200 and r.json() == {"status": "ok"}
    finally:
        release.set()
        for t in holders:
            t.join(30)
