#!/usr/bin/env python
"""Coverage-guided fuzzing (atheris / libFuzzer) of the parsers that see hostile bytes first, for a bounded
time each. Complements the hypothesis tests in tests/engine/test_hostile_input.py, which run in CI.

    pip install atheris          # a manylinux wheel from PyPI; nothing else is downloaded
    python scripts/fuzz_atheris.py design --seconds 60
    python scripts/fuzz_atheris.py svg --seconds 60
    python scripts/fuzz_atheris.py svg_render --seconds 60
    python scripts/fuzz_atheris.py asset --seconds 60
    python scripts/fuzz_atheris.py intake --seconds 60
    python scripts/fuzz_atheris.py bodies --seconds 60

Targets and their contract (anything else escaping is a finding):

* ``design``: ``load_design_json(bytes)`` returns a design or raises :class:`DesignError` with a field path.
* ``svg``: ``load_svg(bytes)`` returns a sanitised document (no script / foreignObject element, no ``on*``
  handler, no ``href`` but ``#id`` / ``data:image/``, no ``url()`` but ``#id``) or raises
  :class:`AssetError` / :class:`LimitExceeded`. (Unknown attributes that merely contain a URL are kept:
  no renderer fetches them — a first oracle that flagged any "http://" was wrong, found by this fuzzer.)
* ``svg_render``: sanitise -> render. ``load_svg`` refuses with a typed error, or its output renders as the
  print path places it: librsvg (raster) must draw it; CairoSVG (PDF, ``preserveAspectRatio`` on the root)
  draws it or fails with a typed error contained in its helper (the PDF backend then places librsvg's
  raster). Anything else escaping, or librsvg failing on an accepted document, is a finding.
* ``intake``: what ``POST /v1/jobs`` does with a body before a job exists — strict JSON
  (``check_json``), then a native design (``parse_design``) or Fabric canvas JSON (``load_fabric_json``,
  seeded from tests/fabric_corpus), resolve + layout (``prepare``) and ``preflight`` — returns or raises a
  :class:`RenderError` with a message (``JsonRefused`` for the JSON), each input within 10 s. The seeds
  mutate into long words, huge numbers, deep nesting and odd text; a quadratic path shows as a timeout.
* ``bodies``: the scans every API body meets before parsing, and batch CSV. ``nesting_exceeds`` agrees with
  the real depth of any input ``json.loads`` accepts; ``check_json`` returns or raises ``JsonRefused``;
  ``csv_rows`` returns at most ``limit`` + 1 rows or raises :class:`DesignError` — and the input tiled 200
  times is scanned within 3 s (a quadratic path, as the string scan of ``"\\"\\"…`` was, shows there).
* ``asset``: ``sniff_format`` + ``probe_image`` + a decode of the whole image return or raise
  :class:`AssetError` / :class:`LimitExceeded`, within 5 s.

Seeds come from ``examples/`` (designs, SVG clip-art) and small images generated here; the corpus grows in
``--corpus`` (default: a temp folder). A finding makes libFuzzer write ``crash-<sha1>`` to the current
folder and exit non-zero; pin it as an ``@example`` in tests/engine/test_hostile_input.py.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parent.parent

with atheris.instrument_imports(include=["render_engine"]):
    from render_engine.checks.preflight import preflight
    from render_engine.engine import Engine
    from render_engine.fabric import is_fabric, load_fabric_json
    from render_engine.inputs.assets import (
        load_svg,
        open_image,
        probe_image,
        render_svg_pdf,
        render_svg_pixels,
        sniff_format,
        svg_with_root_attributes,
    )
    from render_engine.inputs.safety import harden_libvips
    from render_engine.model.design import load_design_json, parse_design
    from render_engine.model.errors import AssetError, DesignError, LimitExceeded, RenderError
    from render_engine.model.json_input import JsonRefused, check_json, nesting_exceeds
    from render_engine.model.settings import Settings
    from render_engine.personalization.merge import csv_rows
    from render_engine.pipeline import prepare

SETTINGS = Settings(max_source_pixels=4_000_000)


def fuzz_design(data: bytes) -> None:
    try:
        load_design_json(data)
    except DesignError as exc:
        if not exc.message:
            raise AssertionError("a DesignError without a message") from exc


def fuzz_svg(data: bytes) -> None:
    try:
        doc = load_svg(data, "svg", SETTINGS)
    except (AssetError, LimitExceeded) as exc:
        if exc.field != "svg":
            raise AssertionError(f"error names field {exc.field!r}") from exc
        return
    from lxml import etree

    root = etree.fromstring(doc.data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    if root.getroottree().docinfo.internalDTD is not None:
        raise AssertionError("a DTD survived sanitising")
    ids = {el.get("id") for el in root.iter() if isinstance(el.tag, str)}
    for el in root.iter():
        if isinstance(el, etree._Entity):
            raise AssertionError("an entity reference survived sanitising")
        if not isinstance(el.tag, str):
            continue
        if etree.QName(el).localname in ("use", "tref", "textPath", "mpath", "feImage", "image"):
            refs = [v for k, v in el.attrib.items() if etree.QName(k).localname == "href"]
            if not refs or not (refs[0].startswith("data:") or refs[0][1:] in ids):
                raise AssertionError(f"a <{etree.QName(el).localname}> with no target survived sanitising")
        if etree.QName(el).localname in ("script", "foreignObject"):
            raise AssertionError("a script survived sanitising")
        for name, value in el.attrib.items():
            local = etree.QName(name).localname
            external = local == "href" and not value.startswith(("#", "data:image/"))
            if local.startswith("on") or external or re.search(r"url\(\s*['\"]?(?!#)", value):
                raise AssertionError(f"attribute {local!r} survived sanitising")


def fuzz_svg_render(data: bytes) -> None:
    try:
        doc = load_svg(data, "svg", SETTINGS)
    except (AssetError, LimitExceeded) as exc:
        if exc.field != "svg":
            raise AssertionError(f"error names field {exc.field!r}") from exc
        return
    # as the PDF backend places it (CairoSVG; when CairoSVG cannot draw it, a typed AssetError makes the PDF
    # backend place librsvg's raster instead), and as the raster backend does (librsvg, in a viewport)
    with contextlib.suppress(AssetError, LimitExceeded):
        render_svg_pdf(svg_with_root_attributes(doc.data, preserveAspectRatio="xMidYMid meet"), doc, "svg")
    nested = svg_with_root_attributes(doc.data, x="0", y="0", width="48", height="32", preserveAspectRatio="none")
    wrapper = b'<svg xmlns="http://www.w3.org/2000/svg" width="48" height="32" viewBox="0 0 48 32">'
    with contextlib.suppress(LimitExceeded):  # over the render budget on a loaded machine: not a finding
        render_svg_pixels(wrapper + nested + b"</svg>", doc, "svg", size=(48, 32), crop=(0, 0, 48, 32))


_ENGINE: list[Engine] = []  # one per process, warmed (fonts, ICC, dictionaries) before the first timed input


def fuzz_intake(data: bytes) -> None:
    if not _ENGINE:
        _ENGINE.append(Engine(SETTINGS))
        with contextlib.suppress(RenderError):
            fuzz_intake((ROOT / "tests/fabric_corpus/blend_modes.fabric.json").read_bytes())
    engine = _ENGINE[0]
    t0 = time.perf_counter()
    try:
        raw = check_json(data)
    except JsonRefused:
        return
    try:
        with tempfile.TemporaryDirectory() as tmp:
            if is_fabric(raw):
                design = load_fabric_json(raw, engine, Path(tmp)).design
            else:
                design = parse_design(raw, engine.settings)
            base = Path(tmp) if is_fabric(raw) else ROOT / "examples"  # the examples' photos (the pixel limit)
            preflight(prepare(design, engine, base), engine)
    except RenderError as exc:
        if not exc.message:
            raise AssertionError("a RenderError without a message") from exc
    if time.perf_counter() - t0 > 10.0:
        raise AssertionError(f"one intake took {time.perf_counter() - t0:.1f} s")


def _depth(value: object) -> int:
    stack, deepest = [(value, 0)], 0
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict | list):
            deepest = max(deepest, d + 1)
            stack.extend((c, d + 1) for c in (v.values() if isinstance(v, dict) else v))
    return deepest


def fuzz_bodies(data: bytes) -> None:
    try:
        parsed = json.loads(data)
    except (ValueError, RecursionError):
        parsed = None
    else:
        if nesting_exceeds(data, 8) != (_depth(parsed) > 8):
            raise AssertionError(f"nesting_exceeds disagrees with the parsed depth {_depth(parsed)}")
    with contextlib.suppress(JsonRefused):
        check_json(data)
    text = data.decode("utf-8", "replace")
    try:
        rows = csv_rows(text, field="csv", limit=50)
        if len(rows) > 51:
            raise AssertionError(f"csv_rows read {len(rows)} rows past its limit")
    except DesignError:
        pass
    big = data * 200
    t0 = time.perf_counter()
    nesting_exceeds(big, 64)
    with contextlib.suppress(JsonRefused):
        check_json(big + b"1" * 120)  # a long number: the strings are blanked to find its position
    with contextlib.suppress(DesignError):
        csv_rows(text * 200, field="csv", limit=50)
    if time.perf_counter() - t0 > 3.0:
        raise AssertionError(f"scanning the input x200 took {time.perf_counter() - t0:.1f} s")


def fuzz_asset(data: bytes) -> None:
    sniff_format(data[:32])
    t0 = time.perf_counter()
    with tempfile.NamedTemporaryFile(suffix=".bin") as fh:
        fh.write(data)
        fh.flush()
        try:
            info = probe_image(Path(fh.name), "body", SETTINGS)
            img, _ = open_image(info, 1.0, "body")
            img.avg()  # decode every pixel
        except (AssetError, LimitExceeded):
            pass
        except Exception as exc:
            if type(exc).__name__ != "Error":  # pyvips.Error from the forced decode is a decoder refusal
                raise
    if time.perf_counter() - t0 > 5.0:
        raise AssertionError("one probe took over 5 s")


def seeds(target: str) -> list[bytes]:
    if target == "design":
        return [p.read_bytes() for p in sorted((ROOT / "examples").glob("*.json"))]
    if target == "intake":
        long_word = {"version": 1, "template": "coaster-95-round", "layers": [
            {"type": "text", "text": "W" * 600, "font": {"family": "noto-sans"}, "size": 20,
             "box": {"x": 10, "y": 30, "width": 75, "height": 30}}]}  # fmt: skip
        return (
            [p.read_bytes() for p in sorted((ROOT / "examples").glob("*.json"))]
            + [p.read_bytes() for p in sorted((ROOT / "tests/fabric_corpus").glob("*.fabric.json"))[:12]]
            + [json.dumps(long_word).encode()]
        )
    if target == "bodies":
        return [b'{"design": ["' + b'\\"' * 200, b"[" * 70 + b"]" * 70, b'{"a": [1, {"b": "[[["}], "c": NaN}',
                b"name,title\nAsha,\"CTO, \"\"x\"\"\"\n\"unclosed\n", b"name,name\nA,B\n"]
    if target in ("svg", "svg_render"):
        return [p.read_bytes() for p in sorted((ROOT / "examples/assets").glob("*.svg"))] + [
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 9 9">'
            b'<defs><g id="a"><rect width="1" height="1"/></g></defs><use xlink:href="#a"/>'
            b'<image href="http://example.com/x.png"/><script>x()</script></svg>',
            b'<!DOCTYPE svg [<!ENTITY c "red"><!ENTITY t "&c;&c;">]><svg xmlns="http://www.w3.org/2000/svg" '
            b'viewBox="0 0 9 9" preserveAspectRatio="xMidYMid"><use/><text>&t;&c;</text><rect fill="&c;" '
            b'style="stroke:url(http://e/x)" width="3" height="3"/><style>@import url(x.css);</style></svg>',
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><pattern id="p" width="2" height="2">'
            b'<rect fill="url(#p)" width="1" height="1"/></pattern><rect fill="url(#p)" width="5" height="5"/></svg>',
        ]
    import pyvips

    grad = pyvips.Image.xyz(24, 16)[0].cast("uchar")
    rgb = grad.bandjoin([grad, grad]).copy(interpretation="srgb")
    return [rgb.jpegsave_buffer(Q=80), rgb.pngsave_buffer(), rgb.webpsave_buffer(), rgb.tiffsave_buffer()]


TARGETS: dict[str, Callable[[bytes], None]] = {
    "design": fuzz_design,
    "svg": fuzz_svg,
    "svg_render": fuzz_svg_render,
    "asset": fuzz_asset,
    "intake": fuzz_intake,
    "bodies": fuzz_bodies,
}


def fresh_peak_rss() -> None:
    """Re-run this script in a child when its peak RSS is inherited. libFuzzer's ``-rss_limit_mb`` reads the
    process's peak (getrusage ``ru_maxrss``), which Linux carries over an exec from the process that started it:
    started by a pytest worker grown to 2.3 GB, every target "ran out of memory" at its first input. A child
    started from this small process counts its own peak."""
    if os.environ.get("FUZZ_ATHERIS_CHILD") == "1" or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 512 * 1024:
        return
    sys.exit(subprocess.call([sys.executable, *sys.argv], env={**os.environ, "FUZZ_ATHERIS_CHILD": "1"}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("target", choices=sorted(TARGETS))
    ap.add_argument("--seconds", type=int, default=60, help="fuzzing time (default 60)")
    ap.add_argument("--corpus", type=Path, help="corpus folder (kept; default: a temp folder)")
    args, rest = ap.parse_known_args()
    fresh_peak_rss()
    harden_libvips()
    corpus = args.corpus or Path(tempfile.mkdtemp(prefix=f"fuzz-{args.target}-"))
    corpus.mkdir(parents=True, exist_ok=True)
    for n, seed in enumerate(seeds(args.target)):
        (corpus / f"seed-{n}").write_bytes(seed)
    libfuzzer = [sys.argv[0], f"-max_total_time={args.seconds}", "-timeout=10", "-rss_limit_mb=2048", *rest]
    atheris.Setup([*libfuzzer, str(corpus)], TARGETS[args.target])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
