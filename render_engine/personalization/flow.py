"""Photos flowing over pages: the image layers of a layout that name ``<slot>[]`` take a photos slot's photos in
reading order (surfaces, then pages), and a layout's ``flow`` page is repeated after its pages until every photo
has a place, then until the product allows the page count (a photo book's 20, 22, …; the padding pages keep
their art and drop their empty photo layers).

:func:`flowed_groups` gives ``(design prefix, template prefix, raw layers)`` per surface / page, each ``<slot>[]``
replaced by ``<slot>[<k>]`` — the k-th photo, filled like a photo slot (``photos.<slot>[<k>]`` in errors).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..model.errors import DesignError, RenderError
from .model import DesignTemplate


def _takes(raws: list[dict[str, Any]]) -> dict[str, int]:
    """How many photos of each photos slot a list of layers takes."""
    out: dict[str, int] = {}
    for raw in raws:
        slot = raw.get("slot")
        if isinstance(slot, str) and slot.endswith("[]"):
            out[slot[:-2]] = out.get(slot[:-2], 0) + 1
    return out


def _page_count(templates_dir: Path, product: str) -> Any:
    from .anchors import product_catalog

    try:
        pages = product_catalog(Path(templates_dir)).get(product).pages
    except RenderError as exc:
        raise DesignError(exc.message, field="product") from None
    if pages is None:
        raise DesignError(f"{product} has no pages for the template's flow page", field="product")
    return pages.count


def flow_pages(template: DesignTemplate, product: str, counts: dict[str, int], templates_dir: Path) -> int:
    """How many times the layout's flow page repeats for ``counts`` photos (0 without a flow page)."""
    layout = template.products[product]
    if layout.flow is None:
        return 0
    count = _page_count(templates_dir, product)
    fixed: dict[str, int] = {}
    for _, raws in layout.groups():
        for name, n in _takes(raws).items():
            fixed[name] = fixed.get(name, 0) + n
    per_page = _takes(layout.flow.layers)
    need = 0
    for name, n in counts.items():
        rest = n - fixed.get(name, 0)
        if rest > 0 and per_page.get(name):
            need = max(need, -(-rest // per_page[name]))
    pages = len(layout.pages) + need
    room = count.max - len(layout.pages)
    if need > room:
        name = next(n for n in counts if per_page.get(n))
        fits = fixed.get(name, 0) + room * per_page[name]
        raise DesignError(f"at most {fits} photos fit on {product} ({count.max} pages)", field=f"photos.{name}")
    while not count.allows(pages) and pages < count.max:
        pages += 1
    return pages - len(layout.pages)


def flowed_groups(
    template: DesignTemplate, product: str, counts: dict[str, int], templates_dir: Path
) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """``(design prefix, template prefix, raw layers)`` per surface / page of ``product``'s layout with its
    flow pages, every ``<slot>[]`` numbered in reading order."""
    layout = template.products[product]
    groups = [(prefix, prefix, raws) for prefix, raws in layout.groups()]
    if layout.flow is not None:
        first = len(layout.pages)
        extra = flow_pages(template, product, counts, templates_dir)
        groups += [(f"pages[{first + i}].", "flow.", layout.flow.layers) for i in range(extra)]
    taken: dict[str, int] = {}
    out = []
    for prefix, written, raws in groups:
        numbered = []
        for raw in raws:
            slot = raw.get("slot")
            if isinstance(slot, str) and slot.endswith("[]"):
                k = taken.get(slot[:-2], 0)
                taken[slot[:-2]] = k + 1
                raw = {**raw, "slot": f"{slot[:-2]}[{k}]"}
            numbered.append(raw)
        out.append((prefix, written, numbered))
    return out
