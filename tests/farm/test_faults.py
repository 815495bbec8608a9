"""Faults with real processes and real filesystems (issue 9): storage full (a real 1 MB tmpfs), read-only
storage (the tmpfs remounted read-only), a job over its time limit (embedded watchdog and RQ's
``job_timeout`` in a real work horse), Redis killed with SIGKILL and restarted with and without persistence,
the API process SIGKILLed and restarted mid-batch (embedded mode, and RQ mode with a real worker), the job
store's own disk failing (EFBIG through ``prlimit``, ENOSPC on a tmpfs), and an SVG render over its time
budget (a helper process killed).

After each: every accepted job is ``ready`` or ``failed`` with a reason; no partial file is in a job folder
or left in ``tmp/``; no job published twice (``tests/fault_hooks.py`` counts publishes in the processes).
The tmpfs tests need root (``mount``) and are skipped without it.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from render_engine.farm.settings import ServiceSettings
from tests import toolkit
from tests.net_support import free_port
from tests.redis_support import TEST_DB
from tests.toolkit import PRINT_UNIT, STOREFRONT, app_client

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

ROOT = Path(__file__).resolve().parents[2]
SF, PU = STOREFRONT, PRINT_UNIT
S, P = {"X-API-Key": SF}, {"X-API-Key": PU}
KEYS = f"storefront:{SF},print-unit:{PU}"
HOOKED = [sys.executable, "-c", "import tests.fault_hooks as h; h.main()"]


def coaster(text: str) -> dict[str, Any]:
    """The toolkit's coaster: a teal background and ``text`` centred, bold, white."""
    return toolkit.coaster({"type": "background", "color": "#2a9d8f"}, toolkit.text_layer(
        text, font={"family": "noto-sans", "weight": 700}, size=18, color="#ffffff", align="center"))


def job_body(n: int, formats: tuple[str, ...] = ("png",)) -> dict[str, Any]:
    return {"design": coaster(f"Order {n}"), "outputs": {"formats": list(formats)}}


def wait_final(get: Callable[[str], Any], ids: list[str], timeout: float) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + timeout
    states: dict[str, dict[str, Any]] = {}
    while time.monotonic() < deadline:
        for j in ids:
            r = get(j)
            assert r.status_code == 200, r.text  # the API answers throughout
            states[j] = r.json()
        if all(s["state"] in ("ready", "failed") for s in states.values()):
            return states
        time.sleep(0.2)
    raise AssertionError(f"jobs not final after {timeout} s: { {j: s['state'] for j, s in states.items()} }")


def assert_clean(
    root: Path,
    states: dict[str, dict[str, Any]],
    publish_log: Path | None = None,
    left_by_kill: frozenset[str] = frozenset(),
) -> None:
    """Ready jobs hold exactly their artifacts; failed ones nothing; tmp/ is empty (but for the temp folders
    of renders SIGKILLed mid-way, never served and swept by the reconciler later); one publish per job."""
    for j, s in states.items():
        folder = root / "jobs" / j
        if s["state"] == "ready":
            assert sorted(p.name for p in folder.iterdir()) == sorted(a["name"] for a in s["artifacts"])
        else:
            assert s["error"] and s["error"]["code"] and s["error"]["message"], s
            assert not folder.exists() or not any(folder.iterdir()), f"failed job {j} left files"
    # a duplicate run the reconciler started for a job that has since become ready may still be rendering in
    # its private temp folder; it finds the job ready, publishes nothing and removes the folder when it ends
    deadline = time.monotonic() + 20
    while {p.name for p in (root / "tmp").iterdir()} - left_by_kill and time.monotonic() < deadline:
        time.sleep(0.2)
    assert {p.name for p in (root / "tmp").iterdir()} <= left_by_kill, "partial files left in tmp/"
    if publish_log is not None:
        lines = publish_log.read_text().split() if publish_log.exists() else []
        ready = [j for j, s in states.items() if s["state"] == "ready"]
        assert sorted(lines) == sorted(ready), "a job published twice, or a ready job never published"


# --- a real small filesystem ---------------------------------------------------------------------------


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a tmpfs")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode(errors='replace').strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def storage_on(volume: Path, root: Path) -> None:
    """Artifacts and temp files on ``volume`` (one filesystem, so renames stay atomic); the job store and
    assets on the ordinary disk — a typical deployment with an artifact volume."""
    root.mkdir(parents=True, exist_ok=True)
    for sub in ("jobs", "tmp"):
        (volume / sub).mkdir(exist_ok=True)
        (root / sub).symlink_to(volume / sub)


def fill(volume: Path) -> Path:
    filler = volume / "filler"
    with open(filler, "wb") as fh, contextlib.suppress(OSError):
        while True:
            fh.write(b"\0" * 65536)
            fh.flush()
    return filler


@pytest.fixture
def embedded(tmp_path: Path, engine: Any) -> Iterator[Callable[..., Any]]:
    """An in-process app (embedded render thread) on a given storage root; closed at the end."""

    stack = contextlib.ExitStack()

    def make(root: Path, **over: Any) -> Any:
        settings = ServiceSettings(storage_root=root, redis_url=None, api_keys=KEYS, retry_intervals=(1,), **over)
        return stack.enter_context(app_client(settings, engine))

    with stack:
        yield make


def test_storage_full_fails_the_job_with_a_reason_and_leaves_nothing(tmp_path: Path, embedded: Any) -> None:
    with tmpfs(tmp_path / "vol", "1m") as vol:
        root = tmp_path / "root"
        storage_on(vol, root)
        c = embedded(root)
        filler = fill(vol)
        r = c.post("/v1/jobs", json=job_body(1, ("pdf", "png")), headers=S)
        assert r.status_code == 202, r.text
        photo = (ROOT / "examples/assets/landscape.jpg").read_bytes()
        up = c.post("/v1/assets", content=photo, headers=S)
        assert up.status_code == 507 and up.json()["code"] == "storage_full" and "retry-after" in up.headers
        states = wait_final(lambda j: c.get(f"/v1/jobs/{j}", headers=P), [r.json()["job_id"]], 30)
        (state,) = states.values()
        assert state["state"] == "failed", state
        assert "No space left on device" in state["error"]["message"], state["error"]
        assert_clean(root, states)
        assert c.get("/v1/print-queue", headers=P).json()["jobs"] == []

        filler.unlink()  # space back: new work succeeds
        r2 = c.post("/v1/jobs", json=job_body(2, ("pdf", "png")), headers=S)
        states2 = wait_final(lambda j: c.get(f"/v1/jobs/{j}", headers=P), [r2.json()["job_id"]], 30)
        assert [s["state"] for s in states2.values()] == ["ready"]
        assert_clean(root, {**states, **states2})


def test_read_only_storage_fails_jobs_with_a_reason_and_503s_uploads(tmp_path: Path, embedded: Any) -> None:
    with tmpfs(tmp_path / "vol", "16m") as vol:
        root = tmp_path / "root"
        storage_on(vol, root)
        c = embedded(root)
        subprocess.run(["mount", "-o", "remount,ro", str(vol)], check=True)
        try:
            r = c.post("/v1/jobs", json=job_body(1), headers=S)
            assert r.status_code == 202, r.text
            up = c.post("/v1/assets", content=(ROOT / "examples/assets/landscape.jpg").read_bytes(), headers=S)
            assert up.status_code == 503 and up.json()["code"] == "storage_unavailable"
            assert c.get("/readyz").json()["checks"]["storage"] is False
            states = wait_final(lambda j: c.get(f"/v1/jobs/{j}", headers=P), [r.json()["job_id"]], 30)
            (state,) = states.values()
            assert state["state"] == "failed" and "Read-only file system" in state["error"]["message"], state
        finally:
            subprocess.run(["mount", "-o", "remount,rw", str(vol)], check=True)
        assert_clean(root, states)
        r2 = c.post("/v1/jobs", json=job_body(2), headers=S)
        assert [s["state"] for s in wait_final(lambda j: c.get(f"/v1/jobs/{j}", headers=P), [r2.json()["job_id"]],
                                               30).values()] == ["ready"]


def test_embedded_job_over_its_time_limit_fails_with_timeout(
    tmp_path: Path, embedded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from render_engine.production import order

    real = order.render_prepared

    def slow(prep: Any, engine: Any, out: Path, **kw: Any) -> Any:
        if out.suffix == ".png":
            time.sleep(2.5)
        return real(prep, engine, out, **kw)

    monkeypatch.setattr(order, "render_prepared", slow)
    root = tmp_path / "root"
    c = embedded(root, job_timeout=1)
    r = c.post("/v1/jobs", json=job_body(1, ("pdf", "png")), headers=S)
    states = wait_final(lambda j: c.get(f"/v1/jobs/{j}", headers=P), [r.json()["job_id"]], 20)
    (state,) = states.values()
    assert state["state"] == "failed" and state["error"]["code"] == "timeout", state
    time.sleep(2.0)  # the abandoned render thread finishes: it must not publish
    assert c.get(f"/v1/jobs/{r.json()['job_id']}", headers=P).json()["state"] == "failed"
    assert_clean(root, states)


# --- real processes: RQ workers, redis-server, the API server --------------------------------------------


class RedisProc:
    """A private redis-server we may SIGKILL and restart on the same port (never a shared one)."""

    def __init__(self, folder: Path, persistent: bool) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            pytest.skip("redis-server is not installed (scripts/check.sh installs it)")
        self.exe, self.folder, self.persistent = exe, folder, persistent
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/{TEST_DB}"
        self.proc: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        persist = ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else ["--appendonly", "no"]
        self.proc = subprocess.Popen(
            [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--dir", str(self.folder),
             *persist],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        from redis import Redis

        for _ in range(200):
            with contextlib.suppress(Exception):
                if Redis.from_url(self.url, socket_connect_timeout=0.5).ping():
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)


def _env(root: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        RENDER_ENGINE_STORAGE_ROOT=str(root),
        RENDER_ENGINE_API_KEYS=KEYS,
        RENDER_ENGINE_LEASE_SECONDS="3",
        RENDER_ENGINE_RECONCILE_INTERVAL="1",
        RENDER_ENGINE_RETRY_INTERVALS="[1, 1]",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


@contextlib.contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "ab") as err:
        proc = subprocess.Popen([*HOOKED, *args], env=env, cwd=ROOT, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=err)
    try:
        yield proc
    finally:
        kill_group(proc)


def _descendants(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    kids = [int(p) for p in out.split()]
    return kids + [g for k in kids for g in _descendants(k)]


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process, its group and its descendants (an RQ work horse has a process group of its own)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGSTOP)  # frozen first: it cannot fork a work horse while we look
    victims = _descendants(proc.pid)
    for pid in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGSTOP)
    victims += [v for pid in victims for v in _descendants(pid)]
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    for pid in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


WORKER = ["worker", "--job-monitoring-interval", "1", "--maintenance-interval", "1", "--log-level", "WARNING"]


@pytest.mark.parametrize("persistent", [False, True], ids=["no-persistence", "appendonly"])
def test_redis_sigkill_and_restart_loses_no_job_and_runs_none_twice(
    tmp_path: Path, engine: Any, persistent: bool
) -> None:
    redis = RedisProc(tmp_path / "redis", persistent)
    redis.start()
    root, log = tmp_path / "root", tmp_path / "published.log"
    try:
        settings = ServiceSettings(storage_root=root, redis_url=redis.url, api_keys=KEYS)
        with app_client(settings, engine) as c:
            ids = []
            for n in range(6):  # accepted while no worker runs: only Redis holds the "please render"
                r = c.post("/v1/jobs", json=job_body(n), headers=S)
                assert r.status_code == 202, r.text
                ids.append(r.json()["job_id"])
            redis.kill()
            assert c.get(f"/v1/jobs/{ids[0]}", headers=P).status_code == 200  # status needs no Redis
            assert c.get("/readyz").status_code == 503
            redis.start()  # empty without persistence; the AOF replays the queues with it
            from redis import Redis

            queued = sum(Redis.from_url(redis.url).llen(f"rq:queue:render-{q}") for q in ("express", "standard"))
            assert queued == (6 if persistent else 0)
            env = _env(root, REDIS_URL=redis.url, FAULT_PUBLISH_LOG=str(log))
            with process(WORKER, env, tmp_path / "worker.log"):
                states = wait_final(lambda j: c.get(f"/v1/jobs/{j}", headers=P), ids, 60)
        logs = (tmp_path / "worker.log").read_text(errors="replace")[-3000:]
        assert all(s["state"] == "ready" for s in states.values()), ({j: s["state"] for j, s in states.items()}, logs)
        assert_clean(root, states, log)
    finally:
        with contextlib.suppress(Exception):
            redis.kill()


@pytest.mark.parametrize("fork", ["true", "false"], ids=["work-horse", "no-fork"])
def test_rq_job_over_its_time_limit_fails_with_timeout_in_a_real_work_horse(
    tmp_path: Path, engine: Any, fork: str
) -> None:
    """RQ's job timeout ends the render in the forked horse (SIGKILL of the horse) or, with --no-fork, in the
    worker process (SIGALRM raises in the render): either way the job fails once with code ``timeout`` and
    the next job renders."""

    redis = RedisProc(tmp_path / "redis", persistent=False)
    redis.start()
    root, log = tmp_path / "root", tmp_path / "published.log"
    try:
        settings = ServiceSettings(storage_root=root, redis_url=redis.url, api_keys=KEYS, job_timeout=1)
        with app_client(settings, engine) as c:
            slow = c.post("/v1/jobs", json=job_body(1, ("pdf", "png")), headers=S).json()["job_id"]
            quick = c.post("/v1/jobs", json=job_body(2, ("pdf",)), headers=S).json()["job_id"]
            env = _env(root, REDIS_URL=redis.url, RENDER_ENGINE_JOB_TIMEOUT="1", FAULT_SLOW_PNG="3",
                       FAULT_PUBLISH_LOG=str(log), RENDER_ENGINE_WORKER_FORK=fork)
            with process(WORKER, env, tmp_path / "worker.log"):
                states = wait_final(lambda j: c.get(f"/v1/jobs/{j}", headers=P), [slow, quick], 40)
        logs = (tmp_path / "worker.log").read_text(errors="replace")[-3000:]
        assert states[slow]["state"] == "failed" and states[slow]["error"]["code"] == "timeout", (states, logs)
        assert states[slow]["attempts"] == 1, "a timeout is final: not retried"
        assert states[quick]["state"] == "ready", (states, logs)
        assert_clean(root, states, log)
    finally:
        redis.kill()


def test_api_server_sigkilled_mid_batch_restarts_and_finishes_every_job(tmp_path: Path) -> None:
    """``render-engine serve`` in embedded mode renders in-process: killing it kills renders in flight. On
    restart every accepted job (queued or half-rendered) is re-run, and none is published twice."""
    import httpx

    root, log = tmp_path / "root", tmp_path / "published.log"
    port = free_port()
    env = _env(root, FAULT_SLOW_PNG="0.4", FAULT_PUBLISH_LOG=str(log))
    serve = ["serve", "--port", str(port), "--log-level", "warning"]
    base = f"http://127.0.0.1:{port}"

    def up(proc: subprocess.Popen[bytes]) -> httpx.Client:
        for _ in range(300):
            assert proc.poll() is None, (tmp_path / "api.log").read_text(errors="replace")[-2000:]
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return httpx.Client(base_url=base, timeout=10)
            time.sleep(0.1)
        raise AssertionError("API did not start")

    with process(serve, env, tmp_path / "api.log") as api:
        c = up(api)
        ids = [c.post("/v1/jobs", json=job_body(n), headers=S).json()["job_id"] for n in range(8)]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # kill it once something is ready and something is rendering
            got = [c.get(f"/v1/jobs/{j}", headers=P).json()["state"] for j in ids]
            if "ready" in got and "rendering" in got:
                break
            time.sleep(0.05)
        kill_group(api)
        c.close()
    before = (log.read_text().split() if log.exists() else [])
    assert 0 < len(before) < 8, "the kill should land mid-batch"
    killed_tmp = frozenset(p.name for p in (root / "tmp").iterdir())
    with process(serve, env, tmp_path / "api.log") as api:
        c = up(api)
        states = wait_final(lambda j: c.get(f"/v1/jobs/{j}", headers=P), ids, 60)
        c.close()
    assert all(s["state"] == "ready" for s in states.values()), {j: s["state"] for j, s in states.items()}
    assert max(s["attempts"] for s in states.values()) >= 2, "the interrupted render was not re-run"
    assert_clean(root, states, log, killed_tmp)


def test_repeated_worker_sigkills_across_a_batch_lose_nothing_and_publish_once(tmp_path: Path, engine: Any) -> None:
    """Three SIGKILLs (worker + work horse) mid-render over ten jobs, a fresh worker started after each."""
    from redis import Redis
    from rq import Worker

    redis = RedisProc(tmp_path / "redis", persistent=False)
    redis.start()
    root, log = tmp_path / "root", tmp_path / "published.log"
    env = _env(root, REDIS_URL=redis.url, FAULT_SLOW_PNG="0.6", FAULT_PUBLISH_LOG=str(log))
    procs: list[subprocess.Popen[bytes]] = []
    killed_tmp: set[str] = set()
    interrupted: set[str] = set()  # job ids whose render a SIGKILL cut short

    def spawn(n: int) -> None:
        with open(tmp_path / f"worker-{n}.log", "ab") as err:
            procs.append(subprocess.Popen([*HOOKED, *WORKER, "--name", f"w{n}"], env=env, cwd=ROOT,
                                          start_new_session=True, stdout=subprocess.DEVNULL, stderr=err))

    try:
        settings = ServiceSettings(storage_root=root, redis_url=redis.url, api_keys=KEYS)
        with app_client(settings, engine) as c:
            ids = [c.post("/v1/jobs", json=job_body(n), headers=S).json()["job_id"] for n in range(10)]
            spawn(0)
            spawn(1)
            conn = Redis.from_url(redis.url)
            kills = 0
            deadline = time.monotonic() + 60
            while kills < 3 and time.monotonic() < deadline:
                busy = [(w, p) for w in Worker.all(connection=conn) if w.get_current_job_id()
                        for p in procs if p.pid == w.pid and p.poll() is None]
                if not busy:
                    time.sleep(0.05)
                    continue
                worker, victim = busy[0]
                interrupted.add(str(worker.get_current_job_id()).removeprefix("render-").split("-a")[0])
                kill_group(victim)  # lands in the 0.6 s before the PNG render: nothing published yet
                killed_tmp.update(p.name for p in (root / "tmp").iterdir())
                kills += 1
                spawn(10 + kills)
            assert kills == 3, "workers never picked up jobs"
            states = wait_final(lambda j: c.get(f"/v1/jobs/{j}", headers=P), ids, 90)
        assert all(s["state"] == "ready" for s in states.values()), {j: s["state"] for j, s in states.items()}
        assert interrupted and interrupted <= set(ids)
        assert all(states[j]["state"] == "ready" for j in interrupted), "an interrupted render was not re-run"
        assert_clean(root, states, log, frozenset(killed_tmp))
    finally:
        for p in procs:
            kill_group(p)
        redis.kill()


# --- an SVG within every static limit that is slow to render: the hard time budget ----------------------


def slow_svg(kind: str) -> str:
    """2 KB to 2 MB, within ``load_svg``'s size / element / <use> limits, yet seconds to render: ``filter`` in
    librsvg (one rect through 40 large feMorphology dilations and a blur: ~5 s at 150 px here, minutes at
    print size; 50 rects under plain large blurs take ~7 s at 1000 px), ``text`` in CairoSVG (3000 lines
    of text, ~6 s)."""
    if kind == "filter":
        steps = "".join('<feMorphology operator="dilate" radius="200"/>' for _ in range(40))
        defs = f'<filter id="f" x="-50%" y="-50%" width="200%" height="200%">{steps}' \
               '<feGaussianBlur stdDeviation="300"/></filter>'
        body = '<rect width="1000" height="1000" fill="#336699" filter="url(#f)"/>'
    else:
        defs = ""
        body = "".join(f'<text x="{i % 900}" y="{i % 1000}" font-size="12">{"W" * 80}</text>' for i in range(3000))
    return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1000 1000"><defs>{defs}</defs>{body}</svg>'


def svg_coaster(svg: str) -> dict[str, Any]:
    d = coaster("Clip-art")
    d["layers"].append({"type": "svg", "svg": svg, "box": {"x": 10, "y": 10, "width": 75, "height": 75}})
    return d


def helper_cpu_seconds() -> dict[int, float]:
    """CPU time of this process's SVG helpers (children running ``render_engine.inputs.safety._helper_main``)."""
    out: dict[int, float] = {}
    for pid in _descendants(os.getpid()):
        with contextlib.suppress(OSError):
            if b"_helper_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def svg_cpu_seconds() -> float:
    """CPU time of every SVG helper this process has had: the ones reaped (killed or retired) and the live ones."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime + sum(helper_cpu_seconds().values())


def test_svg_renders_of_one_output_share_a_total_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """The budget arithmetic (CPU time charged and a clock moved by hand): each render gets its own budget
    until the output's total runs lower; an inner scope never extends an outer one and counts against it;
    the wall-time backstop (WALL_FACTOR x the total) ends the output whatever CPU is left."""
    from render_engine.inputs import safety

    now = [100.0]
    monkeypatch.setattr(safety.time, "monotonic", lambda: now[0])
    assert safety.svg_time_left(10) == (10, False)  # no output scope: the per-render budget only
    with safety.svg_total_budget(25):
        assert safety.svg_time_left(10) == (10, False)
        safety.svg_charge(18)  # two renders took 9 s of CPU each
        now[0] += 90  # on a loaded machine: wall time does not count, up to the backstop
        assert safety.svg_time_left(10) == (7, True)
        with safety.svg_total_budget(60):
            assert safety.svg_time_left(10) == (7, True)
            safety.svg_charge(5)  # charged to both scopes
        assert safety.svg_time_left(10) == (2, True)
        safety.svg_charge(3)
        assert safety.svg_time_left(10) == (0, True)
    assert safety.svg_time_left(10) == (10, False)
    with safety.svg_total_budget(25):
        now[0] += 25 * safety.WALL_FACTOR - 30  # the backstop comes before this render's own: the total binds
        assert safety.svg_time_left(10) == (10, True)
        now[0] += 30
        assert safety.svg_time_left(10) == (0, True)


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_many_slow_svgs_in_one_design_stop_at_the_total_budget(tmp_path: Path, fmt: Any) -> None:
    """Three clip-art layers, each allowed 20 s alone: the output stops when their total passes 1.5 s,
    naming the layer that ran out, instead of running up to 60 s."""
    from render_engine.engine import Engine
    from render_engine.inputs import safety
    from render_engine.model.design import parse_design
    from render_engine.model.errors import LimitExceeded
    from render_engine.model.settings import Settings
    from render_engine.pipeline import render_design

    engine = Engine(Settings(max_svg_render_seconds=20, max_svg_render_seconds_total=1.5))
    design = svg_coaster(slow_svg("filter" if fmt == "png" else "text"))
    design["layers"] += [dict(design["layers"][-1]) for _ in range(2)]
    out = tmp_path / f"print.{fmt}"
    t0, cpu0 = time.monotonic(), svg_cpu_seconds()
    with pytest.raises(LimitExceeded) as info:
        render_design(parse_design(design), engine, out, base_dir=tmp_path, fmt=fmt)
    elapsed, cpu = time.monotonic() - t0, svg_cpu_seconds() - cpu0
    assert "total render budget" in info.value.message and info.value.field.startswith("layers["), info.value
    # the budget is the helpers' CPU time (wall time on a loaded machine is many times that), up to a backstop
    assert cpu < 4.5, f"the total budget is 1.5 s of CPU, the helpers used {cpu:.1f} s"
    assert elapsed < 1.5 * safety.WALL_FACTOR + 3, f"the error came after {elapsed:.1f} s"
    assert not out.exists()
    star = (ROOT / "examples/assets/star.svg").read_text()  # three quick ones fit the same total
    quick = svg_coaster(star)
    quick["layers"] += [dict(quick["layers"][-1]) for _ in range(2)]
    render_design(parse_design(quick), engine, out, base_dir=tmp_path, fmt=fmt)
    assert out.stat().st_size > 0


@pytest.mark.parametrize("fmt, kind", [("png", "filter"), ("pdf", "text")], ids=["librsvg", "cairosvg"])
def test_svg_over_its_render_budget_is_a_typed_error_within_the_budget(tmp_path: Path, fmt: Any, kind: str) -> None:
    from render_engine.engine import Engine
    from render_engine.inputs import safety
    from render_engine.inputs.assets import load_svg
    from render_engine.model.design import parse_design
    from render_engine.model.errors import LimitExceeded
    from render_engine.model.settings import Settings
    from render_engine.pipeline import render_design

    settings = Settings(max_svg_render_seconds=1)
    load_svg(slow_svg(kind).encode(), "svg", settings)  # within every static limit
    engine = Engine(settings)
    out = tmp_path / f"print.{fmt}"
    t0, cpu0 = time.monotonic(), svg_cpu_seconds()
    with pytest.raises(LimitExceeded) as info:
        render_design(parse_design(svg_coaster(slow_svg(kind))), engine, out, base_dir=tmp_path, fmt=fmt)
    elapsed, cpu = time.monotonic() - t0, svg_cpu_seconds() - cpu0
    assert info.value.field == "layers[2]" and "longer than 1 s" in info.value.message, info.value
    assert cpu < 3.5, f"the budget is 1 s of CPU, the helper used {cpu:.1f} s"
    assert elapsed < safety.WALL_FACTOR + 3, f"the error came after {elapsed:.1f} s"
    assert not out.exists()
    before = helper_cpu_seconds()  # the helper that ran out of time is gone; nothing keeps burning CPU
    time.sleep(0.5)
    after = helper_cpu_seconds()
    assert sum(after.get(p, 0) - before.get(p, 0) for p in after) < 0.2, (before, after)
    star = (ROOT / "examples/assets/star.svg").read_text()  # the next SVG renders normally (a fresh helper)
    render_design(parse_design(svg_coaster(star)), engine, out, base_dir=tmp_path, fmt=fmt)
    assert out.stat().st_size > 0


def test_api_answers_a_slow_svg_with_413_fast_and_fails_its_job_once(tmp_path: Path) -> None:
    from render_engine.engine import Engine
    from render_engine.inputs.safety import WALL_FACTOR
    from render_engine.model.settings import Settings

    settings = ServiceSettings(storage_root=tmp_path / "root", redis_url=None, api_keys=KEYS, retry_intervals=(1,))
    with app_client(settings, engine=Engine(Settings(max_svg_render_seconds=1))) as c:
        t0, cpu0 = time.monotonic(), svg_cpu_seconds()
        r = c.post("/v1/previews", json={"design": svg_coaster(slow_svg("filter")), "width": 400}, headers=S)
        elapsed, cpu = time.monotonic() - t0, svg_cpu_seconds() - cpu0
        assert r.status_code == 413 and r.json()["code"] == "limit_exceeded", r.text
        # the budget is the helper's CPU time; wall time (many times that under load) has a backstop
        assert r.json()["field"] == "layers[2]" and cpu < 4, (r.json(), cpu)
        assert elapsed < 5 * WALL_FACTOR, (r.json(), elapsed)  # far under the default 10 s budget's backstop
        star = (ROOT / "examples/assets/star.svg").read_text()
        ok = c.post("/v1/previews", json={"design": svg_coaster(star), "width": 400}, headers=S)
        assert ok.status_code == 200, ok.text
        job = c.post("/v1/jobs", json={"design": svg_coaster(slow_svg("filter")), "outputs": {"formats": ["png"]}},
                     headers=S).json()["job_id"]
        (state,) = wait_final(lambda j: c.get(f"/v1/jobs/{j}", headers=P), [job], 30).values()
        assert state["state"] == "failed" and state["error"]["code"] == "limit_exceeded", state
        assert state["attempts"] == 1, "over the budget once is over it every time: not retried"


def _serve_up(proc: subprocess.Popen[bytes], base: str, log: Path) -> Any:
    import httpx

    for _ in range(300):
        assert proc.poll() is None, log.read_text(errors="replace")[-2000:]
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return httpx.Client(base_url=base, timeout=10)
        time.sleep(0.1)
    raise AssertionError("API did not start")


def test_rq_api_server_sigkilled_mid_batch_restarts_and_every_job_finishes_once(tmp_path: Path) -> None:
    """RQ mode, all real processes: ``render-engine serve`` (REDIS_URL), ``render-engine worker``, a private
    redis-server. A client keeps posting jobs (each with its Idempotency-Key) while the API is SIGKILLed;
    the worker renders on while no API runs; the restarted API shows every job, the client's retries of the
    unanswered posts create no second job, and each ready job was published exactly once."""
    import threading

    import httpx

    redis = RedisProc(tmp_path / "redis", persistent=False)
    redis.start()
    root, log = tmp_path / "root", tmp_path / "published.log"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = ["serve", "--port", str(port), "--log-level", "warning"]
    api_env = _env(root, REDIS_URL=redis.url)
    worker_env = _env(root, REDIS_URL=redis.url, FAULT_SLOW_PNG="0.3", FAULT_PUBLISH_LOG=str(log))
    accepted: dict[str, str] = {}  # idempotency key -> job id (202/200 received)
    unanswered: list[str] = []  # posts cut off by the kill: the client does not know whether they exist
    stop = threading.Event()

    def post(c: httpx.Client, n: int) -> None:
        key = f"order-{n}"
        try:
            r = c.post("/v1/jobs", json=job_body(n), headers={**S, "Idempotency-Key": key})
        except httpx.HTTPError:
            unanswered.append(key)
            return
        assert r.status_code in (200, 202), r.text
        accepted[key] = r.json()["job_id"]

    def client() -> None:
        with httpx.Client(base_url=base, timeout=10) as c:
            n = 0
            while not stop.is_set() and not unanswered:  # until the first post the kill cuts off
                post(c, n)
                n += 1
                time.sleep(0.05)

    try:
        with process(WORKER, worker_env, tmp_path / "worker.log"), \
                process(serve, api_env, tmp_path / "api.log") as api:
            c = _serve_up(api, base, tmp_path / "api.log")
            t = threading.Thread(target=client)
            t.start()
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline:  # kill once jobs are ready, rendering and still arriving
                got = [c.get(f"/v1/jobs/{j}", headers=P).json()["state"] for j in list(accepted.values())]
                if got.count("ready") >= 1 and "rendering" in got and len(accepted) >= 6:
                    break
                time.sleep(0.1)
            kill_group(api)
            c.close()
            stop.set()
            t.join(timeout=20)
            assert 0 < len(log.read_text().split()) < len(accepted), "the kill should land mid-batch"
            published_while_down = len(log.read_text().split()) if log.exists() else 0
            time.sleep(1.5)  # no API process at all: the worker keeps rendering
            assert (len(log.read_text().split()) if log.exists() else 0) > published_while_down, \
                "the worker should go on rendering while the API is down"
            with process(serve, api_env, tmp_path / "api.log") as api2:
                c = _serve_up(api2, base, tmp_path / "api.log")
                for key in unanswered:  # the client retries what it never got an answer for
                    r = c.post("/v1/jobs", json=job_body(int(key.split("-")[1])),
                               headers={**S, "Idempotency-Key": key})
                    assert r.status_code in (200, 202), r.text
                    accepted[key] = r.json()["job_id"]
                ids = list(accepted.values())
                states = wait_final(lambda j: c.get(f"/v1/jobs/{j}", headers=P), ids, 90)
                queue = c.get("/v1/print-queue", headers=P, params={"limit": 500}).json()["jobs"]
                c.close()
        logs = (tmp_path / "worker.log").read_text(errors="replace")[-3000:]
        assert all(s["state"] == "ready" for s in states.values()), ({j: s["state"] for j, s in states.items()}, logs)
        assert sorted(q["id"] for q in queue) == sorted(ids), "every ready job is visible to the print unit"
        import sqlite3

        with contextlib.closing(sqlite3.connect(root / "jobs.sqlite3")) as db:  # no job beyond the accepted ones
            stored = {r[0]: r[1] for r in db.execute("SELECT id, state FROM jobs")}
        assert sorted(stored) == sorted(ids) and set(stored.values()) == {"ready"}, stored
        assert_clean(root, states, log)
    finally:
        redis.kill()


# --- the job store's own disk fails: 503 JSON, nothing lost, recovery when space returns ----------------


@contextlib.contextmanager
def job_store_fault(kind: str, tmp_path: Path, root: Path) -> Iterator[Callable[[int], Any]]:
    """Yields ``fault(pid)``: a context manager during which the SQLite job store of process ``pid`` cannot
    write. ``efbig``: RLIMIT_FSIZE of the running process lowered to 4 KiB from outside (``prlimit(2)``,
    no privileges needed), so every ``write(2)`` at or past 4 KiB in any file fails with EFBIG, which
    SQLite reports as SQLITE_IOERR. ``enospc``: the job store lives on a real 512 KiB tmpfs that is filled
    up, so SQLite meets ENOSPC (SQLITE_FULL, or SQLITE_IOERR when it cannot even extend ``-shm``); needs
    root for ``mount``."""
    import resource

    if kind == "efbig":

        @contextlib.contextmanager
        def efbig(pid: int) -> Iterator[None]:
            hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)[1]
            resource.prlimit(pid, resource.RLIMIT_FSIZE, (4096, hard))
            try:
                yield
            finally:
                resource.prlimit(pid, resource.RLIMIT_FSIZE, (hard, hard))

        yield efbig
        return
    with tmpfs(tmp_path / "dbvol", "512k") as vol:
        root.mkdir(parents=True, exist_ok=True)
        (root / "jobs.sqlite3").symlink_to(vol / "jobs.sqlite3")  # SQLite follows it; -wal/-shm go there too

        @contextlib.contextmanager
        def enospc(pid: int) -> Iterator[None]:
            filler = fill(vol)
            try:
                yield
            finally:
                filler.unlink()

        yield enospc


@pytest.mark.parametrize("kind", ["efbig", "enospc"])
def test_job_store_disk_failing_answers_503_json_loses_nothing_and_recovers(tmp_path: Path, kind: str) -> None:
    """``render-engine serve`` (embedded worker) whose job store stops accepting writes while jobs render:
    new jobs are refused with 503 JSON (code ``job_store_*``, ``Retry-After``), never a 500; reads answer
    200 or 503; jobs accepted before the fault all finish once the disk recovers, the refused ones do not
    exist, the database passes ``integrity_check``, and every job published exactly once."""
    import sqlite3

    root, log = tmp_path / "root", tmp_path / "published.log"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = _env(root, FAULT_SLOW_PNG="0.3", FAULT_PUBLISH_LOG=str(log), RENDER_ENGINE_RETRY_INTERVALS="[2, 2, 2, 2]")
    with job_store_fault(kind, tmp_path, root) as fault:  # the checks below need the tmpfs still mounted
        with process(["serve", "--port", str(port), "--log-level", "warning"], env, tmp_path / "api.log") as api:
            c = _serve_up(api, base, tmp_path / "api.log")
            before = []
            for n in range(4):
                r = c.post("/v1/jobs", json=job_body(n), headers=S)
                assert r.status_code == 202, r.text
                before.append(r.json()["job_id"])
            seen: dict[int, int] = {}
            with fault(api.pid):
                deadline = time.monotonic() + 3
                n = 100
                while time.monotonic() < deadline:  # a client hammering the API during the fault
                    r = c.post("/v1/jobs", json=job_body(n), headers={**S, "Idempotency-Key": f"k{n}"})
                    n += 1
                    seen[r.status_code] = seen.get(r.status_code, 0) + 1
                    assert r.status_code == 503, r.text
                    assert r.json()["code"] in ("job_store_full", "job_store_unavailable"), r.text
                    assert r.headers["retry-after"] == "30"
                    for j in before:
                        g = c.get(f"/v1/jobs/{j}", headers=P)
                        if g.status_code == 503:  # reading may need the disk too (WAL index)
                            assert g.json()["code"].startswith("job_store_"), g.text
                        else:
                            assert g.status_code == 200 and g.json()["id"] == j, g.text
                        seen[g.status_code] = seen.get(g.status_code, 0) + 1
                    time.sleep(0.1)
            after = []
            for n in range(4, 6):  # space is back: new work is accepted again, by the same process
                r = c.post("/v1/jobs", json=job_body(n), headers=S)
                assert r.status_code == 202, r.text
                after.append(r.json()["job_id"])
            states = wait_final(lambda j: c.get(f"/v1/jobs/{j}", headers=P), before + after, 60)
            c.close()
        print(f"job store fault {kind}: responses by status {seen}")
        assert 500 not in seen, seen
        assert all(s["state"] == "ready" for s in states.values()), {j: (s["state"], s["error"])
                                                                     for j, s in states.items()}
        with contextlib.closing(sqlite3.connect(root / "jobs.sqlite3")) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stored = sorted(r[0] for r in db.execute("SELECT id FROM jobs"))
        assert stored == sorted(before + after), "a refused job left a record, or an accepted one vanished"
        assert_clean(root, states, log)


def test_svg_with_non_ascii_names_stays_well_formed_through_sanitising(tmp_path: Path, engine: Any) -> None:
    """Found by scripts/fuzz_atheris.py (svg): XML allows non-ASCII element and attribute names, and lxml's
    default ASCII serialisation wrote them as character references, which are illegal in names, so the
    sanitised document no longer parsed and the render died with an untyped XMLSyntaxError (a 500)."""
    from lxml import etree

    from render_engine.inputs.assets import load_svg
    from render_engine.model.design import parse_design
    from render_engine.model.settings import Settings
    from render_engine.pipeline import render_design

    svg = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9">'
           '<rect width="9" height="9" fillƙ="red"/><gƙ/></svg>')
    etree.fromstring(load_svg(svg.encode(), "svg", Settings()).data)  # still well-formed
    fmt: Any
    for fmt in ("png", "pdf"):
        out = tmp_path / f"print.{fmt}"
        render_design(parse_design(svg_coaster(svg)), engine, out, base_dir=tmp_path, fmt=fmt)
        assert out.stat().st_size > 0
