"""Layers across a book's two-page spread (issue #18): a photo across the gutter.

A page layer whose ``box.spread`` is true sits on a left-hand (even) page and is measured across the spread
that page starts: x runs from the left page's trim edge over both pages, the right page beginning at the page
width (the gutter between them takes no room: the pages meet at the fold). :func:`expand_spreads` draws it
on both facing pages — on the left page as given, on the right page (the next, odd, page) moved left by one
page width and put under that page's own layers — so each page clips it to its own bleed like any layer, and
the picture continues across the binding. Pages are bound as :func:`~render_engine.model.cover.gutter_band`
says: odd pages are right-hand pages bound on their left edge, even pages left-hand pages bound on their right,
so page 1 faces the inside of the front cover alone and a spread pairs pages 2-3, 4-5, ...

A right-to-left book (``book.direction`` "rtl": Arabic, Hebrew, manga) binds the other way: the even page that
starts a spread is its *right*-hand page and the next (odd) page its left-hand one. x still runs from the
spread's left edge, which is now the odd page's, so the same full-bleed spread box fills both pages either way:
the even page gets the layer moved one page width left, the odd page gets it as given.

Pure: done once, when the design is planned (:func:`~render_engine.model.surface_plan.plan_parts`); the
layout, backends, preflight and proofs only see ordinary layers on ordinary pages.
"""

from __future__ import annotations

from typing import Any

from .errors import DesignError


def spread_box(layer: Any) -> Any:
    """The layer's box when it spans a spread, else None."""
    box = getattr(layer, "box", None)
    return box if box is not None and getattr(box, "spread", False) else None


def refuse_spreads(layers: list[Any], where: str) -> list[DesignError]:
    """Problems for spread layers where there are no facing pages (``where``: ``layers``, ``surfaces.x.layers``)."""
    return [
        DesignError(
            "box.spread spans a book's two facing pages; this surface has none",
            field=f"{where}[{i}].box.spread",
        )
        for i, layer in enumerate(layers)
        if spread_box(layer) is not None
    ]


def expand_spreads(
    pages: list[list[Any]], page_w: float, is_book: bool, *, rtl: bool = False
) -> tuple[list[list[Any]], list[DesignError]]:
    """Each page's layers with the spread layers of the page before it added at the bottom (moved one page
    width left), and every spread layer's flag cleared; plus the problems (a spread on a page that starts no
    spread), each naming ``pages[i].layers[j].box.spread``. :func:`carried_from` tells where the added
    layers came from."""
    problems: list[DesignError] = []
    out: list[list[Any]] = [list(layers) for layers in pages]
    carried: list[list[Any]] = [[] for _ in pages]
    for i, layers in enumerate(pages):
        n = i + 1
        for j, layer in enumerate(layers):
            box = spread_box(layer)
            if box is None:
                continue
            field = f"pages[{i}].layers[{j}].box.spread"
            if not is_book:
                problems.append(DesignError("box.spread spans a book's two facing pages; these pages do not face "
                                            "each other", field=field))  # fmt: skip
                continue
            if n % 2:
                problems.append(DesignError(
                    f"a spread starts on a left-hand (even-numbered) page; page {n} is a right-hand page "
                    f"(put the layer on page {n - 1} to span pages {n - 1}-{n})" if n > 1 else
                    "a spread starts on a left-hand (even-numbered) page; page 1 is the first right-hand page and "
                    "faces the cover", field=field))  # fmt: skip
                continue
            if n == len(pages):
                problems.append(DesignError(f"page {n} is the last page: no page faces it, so it starts no spread",
                                            field=field))  # fmt: skip
                continue
            moved = box.model_copy(update={"x": box.x - page_w, "spread": False})
            same = box.model_copy(update={"spread": False})
            own, other = (moved, same) if rtl else (same, moved)  # rtl: the even page is the right-hand one
            out[i][j] = layer.model_copy(update={"box": own})
            carried[i + 1].append(layer.model_copy(update={"box": other}))
    return [carried[i] + out[i] for i in range(len(pages))], problems


def carried_from(pages: list[list[Any]]) -> list[list[str]]:
    """Per page, the fields of the spread layers :func:`expand_spreads` puts at its bottom, in order
    (``pages[1].layers[0]``), so errors in them name the layer the customer wrote."""
    return [
        [f"pages[{i - 1}].layers[{j}]" for j, layer in enumerate(pages[i - 1]) if spread_box(layer) is not None]
        if i % 2 == 0 and i > 0 else []
        for i in range(len(pages))
    ]  # fmt: skip


def source_fields(sources: tuple[str, ...], count: int, carried: list[str]) -> tuple[str, ...]:
    """A page design's layer sources (``Design._sources``, or one per layer when none were expanded:
    ``count``) with the first ``len(carried)`` layers — the spread layers carried over — named where they
    came from and the page's own layers renumbered as the customer wrote them."""
    k = len(carried)
    out = []
    for src in sources or tuple(f"layers[{i}]" for i in range(count)):
        head, _, rest = src.partition("]")
        m = int(head[len("layers[") :])
        out.append(f"{carried[m]}{rest}" if m < k else f"layers[{m - k}]{rest}")
    return tuple(out)

