"""Flat colours converted several to one littleCMS transform (a gradient's stops, a command line's early start)
are the colours converted one by one, as the PDF prints them (issue 22, round 5)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import pyvips

from render_engine.inputs import flat_colours
from render_engine.model.design import parse_design
from render_engine.model.settings import Settings


def _alone(profile: str, srgb: str, rgb: tuple[int, int, int]) -> tuple[float, ...]:
    # a 1x1 image through its own transform, read back as a point: how ColorConverter.rgb converted before
    img = (pyvips.Image.black(1, 1) + list(rgb)).cast("uchar").copy(interpretation="srgb")
    out = img.icc_transform(profile, input_profile=srgb, intent="relative", black_point_compensation=True)
    return tuple(round(v / 255, 4) for v in out(0, 0)[:4])


def test_colours_converted_together_are_the_colours_converted_alone() -> None:
    icc = Settings().icc_dir  # the bundled FOGRA39 output profile and sRGB profile ColorConverter uses
    profile, srgb = str(icc / "FOGRA39L-coated-300.icc"), str(icc / "sRGB-lcms.icc")
    rnd = random.Random(22)
    colours = sorted({(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)) for _ in range(40)}
                     | {(255, 255, 255), (0, 0, 0), (255, 0, 0), (0, 128, 255)})  # fmt: skip
    together = flat_colours.convert((profile, srgb, "relative", True), colours)
    assert together == {c: _alone(profile, srgb, c) for c in colours}
    assert together[(255, 255, 255)] == (0.0, 0.0, 0.0, 0.0) and together[(0, 0, 0)][3] > 0.9


def test_a_colour_is_taken_only_under_the_conversion_it_was_made_with() -> None:
    from concurrent.futures import Future

    job: Future[dict[tuple[int, int, int], tuple[float, float, float, float]]] = Future()
    job.set_result({(1, 2, 3): (0.1, 0.2, 0.3, 0.4)})
    flat_colours.put(("/p.icc", "srgb", "relative", True), job)
    assert flat_colours.take(("/p.icc", "srgb", "relative", True), (1, 2, 3)) == (0.1, 0.2, 0.3, 0.4)
    assert flat_colours.take(("/p.icc", "srgb", "relative", True), (1, 2, 4)) is None
    assert flat_colours.take(("/p.icc", "srgb", "perceptual", True), (1, 2, 3)) is None
    assert flat_colours.take(("/q.icc", "srgb", "relative", True), (1, 2, 3)) is None


def test_a_cold_pdf_page_converts_its_flat_colours_in_one_transform_with_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh process (a farm's forked work horse, every job) converted each flat colour of a page through a
    transform of its own (~17 ms each for FOGRA39); the page's colours are now gathered first
    (:func:`render_engine.backends.pdf_colours.page_flat_colours`) and converted together, same PDF bytes."""
    from render_engine import Engine
    from render_engine.backends import pdf
    from render_engine.pipeline import render_design

    def text(value: str, colour: str, y: float) -> dict[str, object]:
        return {"type": "text", "text": value, "font": {"family": "noto-sans", "weight": 700}, "size": 24,
                "color": colour, "box": {"x": 12, "y": y, "width": 150, "height": 18}}  # fmt: skip

    layers = [{"type": "background", "color": "#f4efe6"}, text("Ada", "#c0392b", 8), text("Lovelace", "#1f4e79", 30),
              text("Analyst", "#2e7d32", 52), text("black", "#000000", 70)]  # fmt: skip
    design = parse_design({"version": 1, "template": "mug-11oz", "layers": layers})
    calls: list[list[tuple[int, int, int]]] = []
    convert = flat_colours.convert

    def counted(conversion: flat_colours.Conversion, colours: list[tuple[int, int, int]]) -> dict:  # type: ignore[type-arg]
        calls.append(list(colours))
        return convert(conversion, colours)

    monkeypatch.setattr(flat_colours, "convert", counted)

    render_design(design, Engine(Settings(color_lut=False)), tmp_path / "warm.pdf", base_dir=tmp_path)
    gathered = [(0, 0, 0), (31, 78, 121), (46, 125, 50), (192, 57, 43), (244, 239, 230)]
    assert calls == [gathered]  # one transform for the page, black included (free in the same transform)

    calls.clear()  # as before: no page gathering, each colour through its own transform when first drawn
    monkeypatch.setattr(pdf, "page_flat_colours", lambda items: [])
    render_design(design, Engine(Settings(color_lut=False)), tmp_path / "alone.pdf", base_dir=tmp_path)
    assert sorted(c for call in calls for c in call) == gathered[1:] and all(len(call) == 1 for call in calls)
    assert (tmp_path / "warm.pdf").read_bytes() == (tmp_path / "alone.pdf").read_bytes()
