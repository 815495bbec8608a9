"""Plain words for preflight messages: a colour's everyday name and a product's noun.

Shoppers read findings in a storefront ("white text on a white mug will not be visible"); the numbers stay in
the finding's ``detail`` and ``measured`` fields for the print unit.
"""

from __future__ import annotations

import colorsys

from .messages import Msg

PRODUCT_NOUNS = {"phone-case": "phone case", "apparel": "garment"}
"""A template ``kind`` as a shopper says it (others are said as they are: mug, poster, canvas, card...)."""

_HUES = ((15, "red"), (40, "orange"), (68, "yellow"), (165, "green"), (195, "teal"), (255, "blue"), (290, "purple"),
         (340, "pink"), (360, "red"))  # fmt: skip
"""Upper hue bound (degrees) of each name."""


def colour_name(rgb: tuple[int, int, int]) -> Msg:
    """'white', 'dark grey', 'light blue', 'brown'...: a basic colour name for an sRGB colour."""
    r, g, b = (c / 255 for c in rgb)
    hue, light, _ = colorsys.rgb_to_hls(r, g, b)
    chroma = max(r, g, b) - min(r, g, b)
    if light >= 0.93 and chroma < 0.12:
        return Msg("white")
    if light <= 0.1:
        return Msg("black")
    if chroma < 0.12:
        return Msg("light grey" if light > 0.75 else "dark grey" if light < 0.3 else "grey")
    degrees = hue * 360
    name = next(n for bound, n in _HUES if degrees < bound)
    if name == "orange" and light < 0.4:
        return Msg("brown")
    if name in ("red", "pink") and light > 0.75:
        return Msg("pink" if name == "red" else "light pink")
    if light > 0.75:
        return Msg("light {colour}", colour=Msg(name))
    return Msg("dark {colour}", colour=Msg(name)) if light < 0.3 else Msg(name)


def product_noun(kind: str) -> str:
    return Msg(PRODUCT_NOUNS.get(kind, kind))


def article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
