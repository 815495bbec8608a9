"""An eighth adversarial pass, on the command line: files that are not files, and outputs that replace things.

Known defects fixed here, each pinned by a test that fails without its fix:

1. ``render-engine render /dev/zero`` (the Fabric auto-detection read the whole file before the design loader's
   regular-file check) grew without bound; ``render`` of a named pipe, ``personalize``/``merge`` with a
   design template that is a pipe, and ``design-templates --from-fabric`` of ``/dev/zero`` or a pipe hung
   forever. Every input file the user names now goes through ``json_input.read_input_file``.
2. An output path naming a device, pipe or socket was *replaced* by the rename of the atomic write:
   ``render-engine preflight --proof /dev/full`` (or ``mockup --out``) run as root turned ``/dev/full`` into
   a regular file. Refused now, naming it (``backends.writers.refuse_special``, ``files.atomic_path``).
3. ``render a/card.json b/card.json --out o`` wrote ``o/card.pdf`` twice: the second design silently replaced
   the first's print file and both were reported rendered. The second now fails naming the first.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "templates_design" / "birthday-balloons.json"


def _limit_memory() -> None:  # a regression reading /dev/zero must not take the machine with it
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def _cli(cwd: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "render_engine.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=timeout, env=env, preexec_fn=_limit_memory)  # fmt: skip


def _problems(r: subprocess.CompletedProcess[str]) -> list[str]:
    return [ln for ln in r.stderr.splitlines() if ln.strip() and "WARNING" not in ln and "BLOCKER" not in ln]


def _design(text: str) -> dict[str, object]:
    return {"version": 1, "template": "coaster-95-round", "layers": [
        {"type": "background", "color": "#ffffff"},
        {"type": "text", "text": text, "font": {"family": "noto-sans"}, "size": 20, "color": "#000000",
         "box": {"x": 10, "y": 30, "width": 75, "height": 30}, "align": "center"}]}  # fmt: skip


@pytest.mark.parametrize(
    "argv, says",
    [
        (["render", "{zero}", "--out", "o"], "design: cannot read design file: it is not a regular file"),
        (["render", "{pipe}", "--out", "o"], "design: cannot read design file: it is not a regular file"),
        (
            ["design-templates", "--from-fabric", "{zero}", "--product", "mug-11oz", "--id", "x", "--write", "x.json"],
            "cannot read Fabric canvas file: it is not a regular file",
        ),
        (
            ["design-templates", "--from-fabric", "{pipe}", "--product", "mug-11oz", "--id", "x", "--write", "x.json"],
            "cannot read Fabric canvas file: it is not a regular file",
        ),
        (
            ["personalize", "{pipe}", "--product", "mug-11oz", "--out", "o"],
            "cannot read design template file: it is not a regular file",
        ),
        (
            ["merge", "{pipe}", "rows.csv", "--product", "mug-11oz", "--out", "o"],
            "cannot read design template file: it is not a regular file",
        ),
    ],
    ids=["render-zero", "render-pipe", "from-fabric-zero", "from-fabric-pipe", "personalize-pipe", "merge-pipe"],
)
def test_an_input_file_that_never_ends_is_refused_before_it_is_read(tmp_path: Path, argv: list[str],
                                                                    says: str) -> None:  # fmt: skip
    os.mkfifo(tmp_path / "canvas.json")  # nobody ever writes it: reading it blocks forever
    (tmp_path / "rows.csv").write_text("name\nAsha\n", encoding="utf-8")
    args = [a.format(zero="/dev/zero", pipe="canvas.json") for a in argv]
    r = _cli(tmp_path, *args, timeout=240)
    lines = _problems(r)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr[-800:]
    assert any(says in ln for ln in lines) and len(lines) <= 2, lines
    assert not (tmp_path / "x.json").exists() and not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", ["preflight", "mockup", "render"])
def test_an_output_path_that_is_a_pipe_is_refused_not_replaced(tmp_path: Path, command: str) -> None:
    (tmp_path / "card.json").write_text(json.dumps(_design("Asha")), encoding="utf-8")
    (tmp_path / "o").mkdir()
    target = tmp_path / "o" / ("card.pdf" if command == "render" else "card.png")
    os.mkfifo(target)  # a device (/dev/full) behaves the same; a pipe needs no root to make
    argv = {"preflight": ["preflight", "card.json", "--proof", target],
            "mockup": ["mockup", "card.json", "--out", target, "--width", "200"],
            "render": ["render", "card.json", "--out", "o", "--format", "pdf"]}[command]  # fmt: skip
    r = _cli(tmp_path, *argv)
    lines = _problems(r)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr[-800:]
    named = target.relative_to(tmp_path) if command == "render" else target  # render: --out o, relative
    assert any(f"cannot write {named}: it is not a regular file (a device, pipe or socket)" in ln
               for ln in lines), lines  # fmt: skip
    assert target.is_fifo(), "the output replaced the pipe"
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [target.name]  # no temp file left


def test_the_writers_refuse_a_device_or_pipe_and_leave_it(tmp_path: Path) -> None:
    from render_engine.backends.writers import write_atomic
    from render_engine.files import atomic_path
    from render_engine.model.errors import OutputError

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(OutputError, match="it is not a regular file") as exc:
        write_atomic(pipe, lambda tmp: tmp.write_bytes(b"x"))
    assert exc.value.field == "out"
    (tmp_path / "link").symlink_to(pipe)
    with pytest.raises(OutputError, match="it is not a regular file"):
        write_atomic(tmp_path / "link", lambda tmp: tmp.write_bytes(b"x"))
    with pytest.raises(OSError, match="not replaced"), atomic_path(pipe, prefix="t") as tmp:
        tmp.write_bytes(b"x")
    assert pipe.is_fifo() and (tmp_path / "link").is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "pipe"]
    write_atomic(tmp_path / "file", lambda tmp: tmp.write_bytes(b"ok"))  # a regular file is still written
    write_atomic(tmp_path / "file", lambda tmp: tmp.write_bytes(b"new"))
    assert (tmp_path / "file").read_bytes() == b"new"


def test_two_designs_of_one_name_do_not_overwrite_each_others_print_file(tmp_path: Path) -> None:
    for folder, text in (("a", "Asha"), ("b", "Ravi")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "card.json").write_text(json.dumps(_design(text)), encoding="utf-8")
    r = _cli(tmp_path, "render", "a/card.json", "b/card.json", "a/card.json", "--out", "o", "--format", "pdf")
    lines = [ln for ln in _problems(r) if "FAILED" in ln]
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr[-800:]
    assert lines == [
        "[2/3] FAILED b/card.json: out: [1/3] a/card.json writes the same file (o/card.*); rename this design or "
        "render it into another --out folder",
        "[3/3] FAILED a/card.json: out: [1/3] a/card.json writes the same file (o/card.*); rename this design or "
        "render it into another --out folder",
    ], lines
    assert "1 rendered, 2 failed" in r.stdout
    alone = _cli(tmp_path, "render", "a/card.json", "--out", "alone", "--format", "pdf")
    assert alone.returncode == 0, alone.stderr
    assert (tmp_path / "o" / "card.pdf").read_bytes() == (tmp_path / "alone" / "card.pdf").read_bytes()
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["card.pdf"]


def _png_text_bomb() -> bytes:
    """A 64x64 PNG whose thirty zTXt comments inflate to 10 MB each (~290 KB on disk)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0))
    comment = zlib.compress(b"A" * 10_000_000, 9)
    png += b"".join(chunk(b"zTXt", b"Comment%d\x00\x00" % i + comment) for i in range(30))
    rows = zlib.compress(b"".join(b"\x00" + b"\x80" * 192 for _ in range(64)))
    return png + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def test_the_command_lines_early_image_start_does_not_open_a_png_text_bomb(tmp_path: Path) -> None:
    """``render`` starts a design's image work before the engine loads (``backends.early``); that guess read a
    PNG's header with libvips, which inflates every text chunk: 1.2 GB resident for a 290 KB file, before the
    render refused it (``--dpi``, which turns the guess off, peaked at 51 MB)."""
    (tmp_path / "bomb.png").write_bytes(_png_text_bomb())
    design = {"version": 1, "template": "mug-11oz", "layers": [
        {"type": "image", "asset": "bomb.png", "box": {"x": -3, "y": -3, "width": 240, "height": 100}}]}  # fmt: skip
    (tmp_path / "d.json").write_text(json.dumps(design), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # the child's own peak (VmHWM of its address space, written at exit): ru_maxrss would carry over the RSS of
    # this pytest worker at fork (Linux copies it into the exec'd child's maxrss), 500+ MB late in a suite
    wrapper = (
        "import atexit, runpy, sys\n"
        "def peak():\n"
        "    hwm = [line for line in open('/proc/self/status') if line.startswith('VmHWM')]\n"
        "    sys.stderr.write('\\nPEAK ' + hwm[0].split()[1] + '\\n')\n"
        "atexit.register(peak)\n"
        "sys.argv = ['render-engine', 'render', 'd.json', '--out', 'o']\n"
        "runpy.run_module('render_engine.cli', run_name='__main__')\n"
    )
    proc = subprocess.run([sys.executable, "-c", wrapper], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=180, preexec_fn=_limit_memory)  # fmt: skip
    stderr = proc.stderr
    assert proc.returncode == 1 and "Traceback" not in stderr, stderr[-800:]
    assert "layers[0].asset: PNG refused: its text chunks (tEXt/zTXt/iTXt) inflate to over 1 MB" in stderr
    peak_mb = int(stderr.rsplit("PEAK ", 1)[1].split()[0]) / 1024
    assert peak_mb < 400, f"peak resident {peak_mb:.0f} MB"
