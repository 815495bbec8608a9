"""Emoji a product cannot print (``text.emoji_not_printable``, a blocker).

A template says how its print process handles emoji (``text.emoji``: "color", "monochrome" or "forbidden",
docs/products.md). Where it forbids them (an engraved or one-colour product whose buyers must not be shown a
colour emoji that will not come out), every text layer holding an emoji is a blocker naming the layer's
``text`` field and the emoji, one grapheme cluster each (a ZWJ family, a flag or a keycap is one emoji).
The preview and mockup draw such emoji as the monochrome mode does (the text colour), so what the customer
sees is what the check talks about.
"""

from __future__ import annotations

from ..layout.plan import TextItem
from ..layout.shaping import wants_emoji
from ..model.design import TextLayer
from .messages import Msg
from .report import CheckContext, Finding


def emoji_clusters(text: str) -> list[str]:
    """The distinct emoji in ``text``, in order, each a whole grapheme cluster (UAX #29, ICU): a cluster is an
    emoji when one of its characters has emoji presentation (by default or with VS16)."""
    import icu  # loaded already by shaping's wants_emoji for any text past U+231A

    it = icu.BreakIterator.createCharacterInstance(icu.Locale.getRoot())
    ustr = icu.UnicodeString(text)
    it.setText(ustr)
    out: list[str] = []
    start = 0
    for end in it:  # UTF-16 offsets
        cluster = str(ustr[start:end])
        start = end
        if any(wants_emoji(cluster, i) for i in range(len(cluster))) and cluster not in out:
            out.append(cluster)
    return out


def check_emoji(ctx: CheckContext) -> list[Finding]:
    layout = ctx.layout
    if layout.template.text.emoji != "forbidden":
        return []
    out: list[Finding] = []
    for it in layout.items:
        if not isinstance(it, TextItem):
            continue
        layer = ctx.prepared.design.layers[it.layer]
        assert isinstance(layer, TextLayer)
        if not any(ord(c) >= 0x231A or c == "\ufe0f" for c in layer.text):  # no ICU for plain text
            continue
        found = emoji_clusters(layer.text)
        if not found:
            continue
        shown = " ".join(found[:12]) + (" …" if len(found) > 12 else "")
        out.append(
            Finding(
                "text.emoji_not_printable",
                "blocker",
                Msg("This product cannot print emoji ({emoji}). Remove them or choose another product.", emoji=shown),
                f"layers[{it.layer}].text: {len(found)} emoji ("
                + ", ".join(" ".join(f"U+{ord(c):04X}" for c in e) for e in found)
                + f"); template '{layout.template.id}' has text.emoji = forbidden",
                it.layer,
                it.block.bounds or it.box,
                len(found),
                0,
                "emoji",
                {"field": f"layers[{it.layer}].text", "emoji": found},
            )
        )
    return out


__all__ = ["check_emoji", "emoji_clusters"]
