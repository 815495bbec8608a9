#!/usr/bin/env python
"""Coverage-guided fuzzing (atheris / libFuzzer) of the parsers that see hostile bytes first, for a bounded
time each. Complements the hypothesis tests in tests/test_hostile_input.py, which run in CI.

    pip install atheris          # a manylinux wheel from PyPI; nothing else is downloaded
    python scripts/fuzz_atheris.py design --seconds 60
    python scripts/fuzz_atheris.py svg --seconds 60
    python scripts/fuzz_atheris.py asset --seconds 60

Targets and their contract (anything else escaping is a finding):

* ``design``: ``load_design_json(bytes)`` returns a design or raises :class:`DesignError` with a field path.
* ``svg``: ``load_svg(bytes)`` returns a sanitised document (no script / foreignObject element, no ``on*``
  handler, no ``href`` but ``#id`` / ``data:image/``, no ``url()`` but ``#id``) or raises
  :class:`AssetError` / :class:`LimitExceeded`. (Unknown attributes that merely contain a URL are kept:
  no renderer fetches them — a first oracle that flagged any "http://" was wrong, found by this fuzzer.)
* ``asset``: ``sniff_format`` + ``probe_image`` + a decode of the whole image return or raise
  :class:`AssetError` / :class:`LimitExceeded`, within 5 s.

Seeds come from ``examples/`` (designs, SVG clip-art) and small images generated here; the corpus grows in
``--corpus`` (default: a temp folder). A finding makes libFuzzer write ``crash-<sha1>`` to the current
folder and exit non-zero; pin it as an ``@example`` in tests/test_hostile_input.py.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parent.parent

with atheris.instrument_imports(include=["render_engine"]):
    from render_engine.assets import load_svg, open_image, probe_image, sniff_format
    from render_engine.design import load_design_json
    from render_engine.errors import AssetError, DesignError, LimitExceeded
    from render_engine.safety import harden_libvips
    from render_engine.settings import Settings

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

    for el in etree.fromstring(doc.data, etree.XMLParser(resolve_entities=False, no_network=True)).iter():
        if not isinstance(el.tag, str):
            continue
        if etree.QName(el).localname in ("script", "foreignObject"):
            raise AssertionError("a script survived sanitising")
        for name, value in el.attrib.items():
            local = etree.QName(name).localname
            external = local == "href" and not value.startswith(("#", "data:image/"))
            if local.startswith("on") or external or re.search(r"url\(\s*['\"]?(?!#)", value):
                raise AssertionError(f"attribute {local!r} survived sanitising")


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
    if target == "svg":
        return [p.read_bytes() for p in sorted((ROOT / "examples/assets").glob("*.svg"))] + [
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 9 9">'
            b'<defs><g id="a"><rect width="1" height="1"/></g></defs><use xlink:href="#a"/>'
            b'<image href="http://example.com/x.png"/><script>x()</script></svg>'
        ]
    import pyvips

    grad = pyvips.Image.xyz(24, 16)[0].cast("uchar")
    rgb = grad.bandjoin([grad, grad]).copy(interpretation="srgb")
    return [rgb.jpegsave_buffer(Q=80), rgb.pngsave_buffer(), rgb.webpsave_buffer(), rgb.tiffsave_buffer()]


TARGETS: dict[str, Callable[[bytes], None]] = {"design": fuzz_design, "svg": fuzz_svg, "asset": fuzz_asset}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("target", choices=sorted(TARGETS))
    ap.add_argument("--seconds", type=int, default=60, help="fuzzing time (default 60)")
    ap.add_argument("--corpus", type=Path, help="corpus folder (kept; default: a temp folder)")
    args, rest = ap.parse_known_args()
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
