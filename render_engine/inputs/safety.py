"""Process-wide hardening of the C libraries the engine feeds untrusted bytes to.

libvips has dozens of loaders (matlab, csv, fits, magick, pdf…) reachable from ``new_from_file`` /
``new_from_buffer``. The engine only ever calls the loaders of the formats it accepts (see
:data:`render_engine.inputs.assets.LOADERS`) plus ``svgload_buffer`` for sanitised vector documents, so everything
else is blocked: a crafted file can never reach a loader nobody reviewed. Called by :class:`Engine`, i.e.
by every entry point (CLI, API, worker), never at import time.

Customer SVG is rendered (by librsvg or CairoSVG) in helper processes with a hard budget of the helper's CPU
time (and a wall-time backstop): :func:`render_svg_bounded`.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pyvips

from ..model.errors import AssetError, LimitExceeded

# libvips class names of the loaders we use; unblocking a class unblocks its file/buffer/source variants
ALLOWED_LOADERS = (
    "VipsForeignLoadJpeg",
    "VipsForeignLoadPng",
    "VipsForeignLoadWebp",
    "VipsForeignLoadHeif",
    "VipsForeignLoadTiff",
    "VipsForeignLoadNsgif",  # GIF (libvips >= 8.11's own libnsgif decoder): the first frame only
    "VipsForeignLoadGif",  # the same loader's name before libvips 8.11
    "VipsForeignLoadSvg",
)


@functools.cache
def harden_libvips() -> None:
    """Block every libvips loader except the allow-list (idempotent, once per process)."""
    pyvips.operation_block_set("VipsForeignLoad", True)
    for name in ALLOWED_LOADERS:
        pyvips.operation_block_set(name, False)


# ------------------------------------------------------------------------------ SVG render budget
#
# The static limits of ``assets.load_svg`` (bytes, elements, <use>) cannot bound the *cost* of an SVG.
# Measured here, all within every count: 50 rects under large Gaussian blurs take ~7 s in librsvg at
# 1000 x 1000 px, 2000 full-size gradients ~30 s, one rect through 40 feMorphology dilations ~5 s at only
# 150 px (minutes at print size); 15 000 short lines of text take ~29 s in CairoSVG's pure-Python layout.
# librsvg and cairo are C code that no Python timer can interrupt, and a thread cannot be killed, so
# untrusted SVG is rendered in a helper process that is SIGKILLed when its budget runs out (and whose
# crash, should librsvg ever crash, cannot take the API or a worker down).
#
# The budget is the helper's **CPU time** (utime + stime of its threads, read from /proc while the parent
# waits), not wall time: the cost of a document is what the limit bounds, and on a loaded machine (2 cores,
# load 30) wall time is 10-15x the CPU time, so a wall budget failed ordinary designs — a 0.09 s CPU shadow
# blur took 1.5 s of wall time there, and 2x renders of random storefront designs ran out of the 30 s total
# while using ~3 s of CPU. A helper that stops using CPU without answering (it cannot wait on anything: no
# files, no network) is still killed after ``WALL_FACTOR`` times the budget of wall time. Without /proc the
# budget is wall time, as before.
#
# Cheap on the hot path: helpers are long-lived (~60 ms to start, once), so a render costs one pipe round
# trip plus a copy of the pixels: 1.7 ms instead of 1.2 ms in-process for a 400 px tile, 10 ms instead of
# 3 ms at 1200 px, 99 ms instead of 44 ms at 3000 px (print size). They are clean processes (``fork+exec``,
# never a bare ``fork`` of a threaded server), one request at a time each; a process keeps at most
# ``_MAX_IDLE`` idle ones and retires a helper after ``_RECYCLE_AFTER`` renders, so helper memory cannot
# creep. A forked child (an RQ work horse) never uses its parent's helpers: helpers belong to a pid.

_MAX_IDLE = 2
_RECYCLE_AFTER = 200
_START_TIMEOUT = 60.0
#: wall-time backstop of a render (and of an output's renders together), as a multiple of its CPU budget
WALL_FACTOR = 6.0
_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class SvgBudgetExceeded(LimitExceeded):
    """The helper did not answer within the budget (it has been killed). Callers re-raise it naming the layer
    (:func:`render_engine.inputs.assets.render_svg_pixels`)."""

    def __init__(self, message: str = "SVG took longer than its render budget (too complex)") -> None:
        super().__init__(message)


class SvgRendererFailed(AssetError):
    """The helper died (signal, OOM kill) or could not render the document; the message names the cause."""


class _Helper:
    def __init__(self) -> None:
        r_req, w_req = os.pipe()  # parent -> helper
        r_rep, w_rep = os.pipe()  # helper -> parent
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
        from multiprocessing.connection import Connection  # ~10 ms: loaded with the first SVG only

        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", f"import render_engine.inputs.safety as s; s._helper_main({r_req}, {w_rep})"],
                pass_fds=(r_req, w_rep),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=env,
            )
        finally:
            os.close(r_req)
            os.close(w_rep)
        self.send = Connection(w_req, readable=False)
        self.recv = Connection(r_rep, writable=False)
        self.renders = 0
        self.last_cpu = 0.0  # CPU seconds the last request took
        if not self.recv.poll(_START_TIMEOUT):
            self.kill()
            raise SvgRendererFailed("SVG renderer did not start")
        try:
            self.recv.recv_bytes()  # "ready": imports done
        except (EOFError, OSError):
            self.kill()
            raise SvgRendererFailed(f"SVG renderer did not start (exit {self.proc.wait()})") from None

    def cpu_seconds(self) -> float | None:
        """CPU time the helper has used (all its threads), or None where /proc cannot tell."""
        try:
            with open(f"/proc/{self.proc.pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / _CLK_TCK  # utime, stime (proc(5) fields 14, 15)
        except (OSError, IndexError, ValueError):
            return None

    def request(
        self, op: str, data: bytes, budget: float, options: dict[str, Any], wall_left: float | None = None
    ) -> tuple[dict[str, Any], bytes]:
        t0 = time.monotonic()
        cpu0 = self.cpu_seconds()
        try:
            self.send.send_bytes(json.dumps({"op": op, **options}).encode())
            self.send.send_bytes(data)
        except OSError:  # died while idle
            self.kill()
            raise SvgRendererFailed("SVG renderer died") from None
        wall = budget * WALL_FACTOR if cpu0 is not None else budget
        if wall_left is not None:
            wall = min(wall, wall_left)
        step = 0.005
        while True:
            elapsed = time.monotonic() - t0
            cpu = self.cpu_seconds()
            used = cpu - cpu0 if cpu is not None and cpu0 is not None else elapsed
            if used >= budget or elapsed >= wall:
                self.kill()
                raise SvgBudgetExceeded
            # wake at least every 50 ms; a render that answers is read at once
            if self.recv.poll(max(0.0, min(step, wall - elapsed))):
                break
            step = min(step * 2, 0.05)
        try:
            head = json.loads(self.recv.recv_bytes())
            payload = self.recv.recv_bytes() if head.get("ok") else b""
        except (EOFError, OSError):
            code = self.kill()
            cause = f"signal {-code}" if code < 0 else f"exit {code}"
            raise SvgRendererFailed(f"SVG renderer died ({cause})") from None
        cpu = self.cpu_seconds()
        self.last_cpu = cpu - cpu0 if cpu is not None and cpu0 is not None else time.monotonic() - t0
        self.renders += 1
        return head, payload

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> int:
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        code = self.proc.wait()
        self.close_pipes()
        return code

    def retire(self) -> None:
        self.close_pipes()  # EOF: the helper exits by itself
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()

    def close_pipes(self) -> None:
        for conn in (self.send, self.recv):
            with contextlib.suppress(OSError):
                conn.close()


class _HelperPool:
    def __init__(self) -> None:
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.idle: list[_Helper] = []

    def acquire(self) -> _Helper:
        with self.lock:
            while self.idle:
                h = self.idle.pop()
                if h.alive():
                    return h
                h.kill()
        return _Helper()

    def release(self, h: _Helper) -> None:
        with self.lock:
            if h.renders < _RECYCLE_AFTER and len(self.idle) < _MAX_IDLE and h.alive():
                self.idle.append(h)
                return
        h.retire()

    def close(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
        for h in idle:
            h.retire()


_pool: _HelperPool | None = None
_pool_lock = threading.Lock()


def _helpers() -> _HelperPool:
    """This process's helpers (a forked child starts its own: its parent's pipes are not its to use)."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool.pid != os.getpid():
            _pool = _HelperPool()
        return _pool


class _Total:
    """The SVG budget of one output: CPU seconds left for its renders, and a wall-time backstop."""

    def __init__(self, seconds: float, outer: _Total | None) -> None:
        self.left = seconds
        self.wall_deadline = time.monotonic() + seconds * WALL_FACTOR
        self.outer = outer
        self.lock = threading.Lock()

    def chain(self) -> Iterator[_Total]:
        scope: _Total | None = self
        while scope is not None:
            yield scope
            scope = scope.outer

    def charge(self, seconds: float) -> None:
        for scope in self.chain():
            with scope.lock:
                scope.left -= seconds


_svg_total: contextvars.ContextVar[_Total | None] = contextvars.ContextVar("svg_total", default=None)


@contextlib.contextmanager
def svg_total_budget(seconds: float) -> Iterator[None]:
    """Every SVG render inside shares ``seconds`` of helper CPU time (one output of one design), with a
    wall-time backstop of ``WALL_FACTOR`` times that. Nested scopes also count against the outer ones."""
    token = _svg_total.set(_Total(seconds, _svg_total.get()))
    try:
        yield
    finally:
        _svg_total.reset(token)


def svg_time_left(per_render: float) -> tuple[float, bool]:
    """The CPU budget of the next SVG render: ``per_render``, or less when the output's total budget is
    running out (0 once its wall-time backstop has passed); and whether the total is what binds (its CPU
    time, or its backstop coming before the render's own)."""
    total = _svg_total.get()
    if total is None:
        return per_render, False
    now = time.monotonic()
    left = min(max(0.0, s.left) for s in total.chain())
    wall_left = min(s.wall_deadline for s in total.chain()) - now
    if wall_left <= 0:
        return 0.0, True
    return min(left, per_render), left < per_render or wall_left < per_render * WALL_FACTOR


def svg_charge(seconds: float) -> None:
    """Count ``seconds`` of SVG rendering against the current output's total budget (and the outer ones)."""
    total = _svg_total.get()
    if total is not None:
        total.charge(seconds)


def _svg_wall_left() -> float | None:
    total = _svg_total.get()
    if total is None:
        return None
    return max(0.0, min(s.wall_deadline for s in total.chain()) - time.monotonic())


def render_svg_bounded(
    op: Literal["raster", "pdf"], data: bytes, budget: float, options: dict[str, Any] | None = None
) -> tuple[dict[str, Any], bytes]:
    """Render sanitised SVG in a helper process, killed after ``budget`` seconds of its CPU time (or
    ``WALL_FACTOR`` times that of wall time, or when the output's wall-time backstop passes); the CPU time it
    took counts against the output's total (:func:`svg_total_budget`).

    ``raster``: librsvg through libvips ``svgload_buffer`` (what the raster backend used to call
    in-process), padded or cut to ``options["size"]`` and cut to ``options["crop"]`` (l, t, w, h) before
    anything is rendered; returns ``{width, height, bands, format, interpretation}`` and the pixels.
    ``pdf``: CairoSVG ``svg2pdf``; returns ``{}`` and the PDF bytes.
    Raises :class:`SvgBudgetExceeded` or :class:`SvgRendererFailed`; callers map them to engine errors.
    """
    pool = _helpers()
    helper = pool.acquire()
    try:
        head, payload = helper.request(op, data, budget, options or {}, _svg_wall_left())
    except SvgBudgetExceeded:
        svg_charge(budget)
        raise
    except BaseException:
        # out of time, dead, or interrupted mid-request (RQ's job timeout, Ctrl-C): a helper that may still
        # be rendering must never serve another request, or that request would read this one's answer
        helper.kill()
        raise
    svg_charge(helper.last_cpu)
    pool.release(helper)
    if not head.get("ok"):  # the document's fault; the helper answered and is ready for the next one
        raise SvgRendererFailed(f"SVG could not be rendered ({head.get('error', 'error')})")
    return head, payload


def _helper_main(rfd: int, wfd: int) -> None:
    """The helper process: render requests one at a time until the parent closes the pipe (or dies)."""
    from multiprocessing.connection import Connection

    recv = Connection(rfd, writable=False)
    send = Connection(wfd, readable=False)
    parent = os.getppid()

    def orphaned() -> None:  # the parent was SIGKILLed mid-render: do not keep burning CPU for nobody
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=orphaned, daemon=True).start()
    harden_libvips()
    pyvips.cache_set_max(0)  # every document is new: nothing to reuse, nothing to keep
    send.send_bytes(b"ready")
    while True:
        try:
            head = json.loads(recv.recv_bytes())
            data = recv.recv_bytes()
        except EOFError:
            return
        try:
            if head["op"] == "raster":
                img = pyvips.Image.svgload_buffer(data, unlimited=False)
                w, h = head.get("size") or (img.width, img.height)
                if img.width != w or img.height != h:
                    img = img.gravity("north-west", w, h)
                if head.get("crop"):
                    img = img.crop(*head["crop"])
                payload = img.write_to_memory()
                meta = {
                    "width": img.width,
                    "height": img.height,
                    "bands": img.bands,
                    "format": str(img.format),
                    "interpretation": str(img.interpretation),
                }
            else:
                import cairosvg

                payload = cairosvg.svg2pdf(bytestring=data)
                meta = {}
            del data
        except Exception as exc:  # the document's fault: report the class name only, stay alive
            send.send_bytes(json.dumps({"ok": False, "error": type(exc).__name__}).encode())
            continue
        send.send_bytes(json.dumps({"ok": True, **meta}).encode())
        send.send_bytes(payload)
        del payload
