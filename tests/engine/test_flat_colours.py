"""Flat colours converted several to one littleCMS transform (a gradient's stops, a command line's early start)
are the colours converted one by one, as the PDF prints them (issue 22, round 5)."""

from __future__ import annotations

import random

import pyvips

from render_engine.inputs import flat_colours
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
