"""Dielines: the cut, crease, fold, kiss-cut and perforation lines of a product, as data.

A template lists its ``dielines`` (SVG path data in trim mm, open or closed). Each kind is written to the
print PDF in its own named spot colour on its own optional-content layer, overprinting, so a finishing
machine (die, plotter, creaser) reads it by name and the press never prints it:

============  ==================  =================================================================
kind          spot colour (PDF)   what the finishing step does
============  ==================  =================================================================
cut           ``CutContour``      cuts through (the same spot and layer as the template's cut_path)
crease        ``Crease``          creasing rule of a folding carton (a fold with a pressed channel)
fold          ``Fold``            where a flat product is folded (a card's spine), scored first
kiss-cut      ``KissCut``         cuts the face stock only, not the liner (stickers on a sheet)
perforation   ``PerfCutContour``  a dashed cut through (tear-off), the plotter's convention
============  ==================  =================================================================

Lines may be typed (``d``) or generated deterministically from a few numbers (``generate``): a jigsaw's
piece cuts from rows x cols, a grid of sticker outlines. Generation happens when the template is loaded, so
every reader (PDF, proof, preflight) sees the same path data.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DielineKind = Literal["cut", "crease", "fold", "kiss-cut", "perforation"]

#: kind -> (spot colour name, alternate CMYK used by viewers; never printed: the lines overprint on their own
#: separation). Alternates are the conventional 100 % magenta cut, cyan crease/fold, green kiss-cut.
DIELINE_SPOTS: dict[str, tuple[str, tuple[float, float, float, float]]] = {
    "cut": ("CutContour", (0.0, 1.0, 0.0, 0.0)),
    "crease": ("Crease", (1.0, 0.0, 0.0, 0.0)),
    "fold": ("Fold", (1.0, 0.0, 0.0, 0.0)),
    "kiss-cut": ("KissCut", (1.0, 0.0, 1.0, 0.0)),
    "perforation": ("PerfCutContour", (0.0, 1.0, 1.0, 0.0)),
}
#: the order the layers are written in (cut first: it is the layer a gang sheet and an operator look for)
DIELINE_ORDER: tuple[str, ...] = ("cut", "perforation", "kiss-cut", "crease", "fold")
#: kinds along which the product bends: text on them cracks or disappears into the fold (preflight)
BENDING_KINDS = frozenset({"crease", "fold"})

MAX_JIGSAW_PIECES = 2000
MAX_GRID_CELLS = 500


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, defer_build=True)


class JigsawSpec(_Model):
    """Classic tabbed pieces over a rectangle: ``rows`` x ``cols``; ``seed`` picks which way each tab
    points (the same numbers always give the same puzzle)."""

    type: Literal["jigsaw"]
    rows: Annotated[int, Field(ge=2, le=60)]
    cols: Annotated[int, Field(ge=2, le=60)]
    seed: Annotated[int, Field(ge=0, le=2**31)] = 0
    tab_size: Annotated[float, Field(gt=0.05, le=0.3)] = Field(0.2, description="Tab length / piece side.")
    border: bool = Field(True, description="Include the outer rectangle (the puzzle's own edge).")
    rect: tuple[float, float, float, float] | None = Field(None, description="x, y, w, h in mm; default trim.")


class GridSpec(_Model):
    """``rows`` x ``cols`` identical outlines (rounded rectangles or circles) of ``width_mm`` x
    ``height_mm``, centred in cells that fill ``rect`` (default: the trim inset by ``margin_mm``)."""

    type: Literal["grid"]
    rows: Annotated[int, Field(ge=1, le=50)]
    cols: Annotated[int, Field(ge=1, le=50)]
    shape: Literal["rounded-rect", "circle"] = "rounded-rect"
    width_mm: Annotated[float, Field(gt=0, le=1000)]
    height_mm: Annotated[float, Field(gt=0, le=1000)]
    radius_mm: Annotated[float, Field(ge=0, le=500)] = 3.0
    margin_mm: Annotated[float, Field(ge=0, le=200)] = 0.0
    rect: tuple[float, float, float, float] | None = Field(None, description="x, y, w, h in mm; default trim.")


class TuckBoxSpec(_Model):
    """A reverse tuck end folding carton of inside size ``length`` x ``width`` x ``depth`` mm, laid flat:
    glue flap | side | front | side | back, the top lid (with its tuck flap) hinged on the back panel, the bottom
    lid on the front, dust flaps on the sides. ``part`` picks the outline (``cut``) or the fold lines
    (``crease``); flat size = (glue + 2 length + 2 width) x (depth + 2 (width + tuck))."""

    type: Literal["tuck-end-box"]
    part: Literal["cut", "crease"]
    length_mm: Annotated[float, Field(gt=10, le=500)]
    width_mm: Annotated[float, Field(gt=10, le=500)]
    depth_mm: Annotated[float, Field(gt=10, le=500)]
    glue_mm: Annotated[float, Field(gt=5, le=50)] = 15.0
    tuck_mm: Annotated[float, Field(gt=5, le=50)] = 15.0


class Dieline(_Model):
    """One finishing line of a product. ``d`` is SVG path data in trim mm (filled in from ``generate`` when
    the template is loaded)."""

    kind: DielineKind
    # before 'd': a bad generator reports its own field, not the 'd' it could not make
    generate: Annotated[JigsawSpec | GridSpec | TuckBoxSpec, Field(discriminator="type")] | None = None
    d: Annotated[str, Field(min_length=1)]
    description: str = ""

    @property
    def spot(self) -> str:
        return DIELINE_SPOTS[self.kind][0]


def expand_generated(dielines: Any, trim_w: float, trim_h: float) -> Any:
    """Fill in ``d`` of every raw dieline dict that has ``generate`` and no ``d`` (before validation).
    Anything malformed is left as it is for the schema to report with its field."""
    if not isinstance(dielines, list):
        return dielines
    return [expand_one(raw, trim_w, trim_h) for raw in dielines]


def expand_one(raw: Any, trim_w: float, trim_h: float) -> Any:
    """One raw dict with ``generate`` and no ``d`` gets its ``d`` (a dieline, or a template's cut_path)."""
    if isinstance(raw, dict) and "d" not in raw and isinstance(raw.get("generate"), dict):
        try:
            d = generate_d(raw["generate"], trim_w, trim_h)
        except (ValueError, TypeError):
            d = None  # the schema names the bad field
        if d:
            raw = {**raw, "d": d}
    return raw


def generate_d(gen: dict[str, Any], trim_w: float, trim_h: float) -> str:
    kind = gen.get("type")
    if kind == "jigsaw":
        j = JigsawSpec.model_validate(gen)
        if j.rows * j.cols > MAX_JIGSAW_PIECES:
            raise ValueError("too many pieces")
        return jigsaw_d(j, j.rect or (0.0, 0.0, trim_w, trim_h))
    if kind == "grid":
        g = GridSpec.model_validate(gen)
        m = g.margin_mm
        return grid_d(g, g.rect or (m, m, trim_w - 2 * m, trim_h - 2 * m))
    if kind == "tuck-end-box":
        return tuck_box_d(TuckBoxSpec.model_validate(gen))
    raise ValueError(f"unknown generator {kind!r}")


def _f(v: float) -> str:
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _tab_signs(seed: int, rows: int, cols: int, count: int, which: str) -> list[int]:
    """+1 / -1 for each internal edge: SHA-256 of (seed, size, edge kind) — stable across Python versions
    and platforms, unlike ``random`` with a string seed."""
    out: list[int] = []
    block = b""
    i = 0
    while len(out) < count:
        block = hashlib.sha256(f"{seed}:{rows}x{cols}:{which}:{i}".encode()).digest()
        out.extend(1 if byte & 1 else -1 for byte in block)
        i += 1
    return out[:count]


def _edge(x0: float, y0: float, length: float, horizontal: bool, sign: int, tab: float) -> str:
    """One piece edge from (x0, y0) along +x (horizontal) or +y, with a tab bulging to ``sign`` side:
    the classic neck-and-knob outline as four cubic curves (relative to the edge, then mapped)."""
    # control points in edge space: u along the edge (0..1), v across (in units of the edge length)
    t = tab / 0.2  # scale factor of the reference tab (0.2 of the side)
    pts = [
        (0.0, 0.0),
        (0.35, 0.0), (0.47, 0.03 * t), (0.42, 0.10 * t),  # to the neck
        (0.36, 0.18 * t), (0.40, 0.22 * t), (0.50, 0.22 * t),  # up the left of the knob to its top
        (0.60, 0.22 * t), (0.64, 0.18 * t), (0.58, 0.10 * t),  # down the right of the knob
        (0.53, 0.03 * t), (0.65, 0.0), (1.0, 0.0),  # back to the edge line
    ]

    def at(u: float, v: float) -> tuple[float, float]:
        along, across = u * length, v * length * sign
        return (x0 + along, y0 - across) if horizontal else (x0 + across, y0 + along)

    m = [at(u, v) for u, v in pts]
    parts = []
    for k in range(1, 13, 3):
        (ax, ay), (bx, by), (cx, cy) = m[k], m[k + 1], m[k + 2]
        parts.append(f"C{_f(ax)} {_f(ay)} {_f(bx)} {_f(by)} {_f(cx)} {_f(cy)}")
    return "".join(parts)


def jigsaw_d(j: JigsawSpec, rect: tuple[float, float, float, float]) -> str:
    """The piece cuts: one open path per internal row and column line (each a chain of tabbed edges), plus
    the outer rectangle when ``border``."""
    x, y, w, h = rect
    pw, ph = w / j.cols, h / j.rows
    parts: list[str] = []
    hs = _tab_signs(j.seed, j.rows, j.cols, (j.rows - 1) * j.cols, "h")
    for r in range(1, j.rows):
        yy = y + r * ph
        seg = [f"M{_f(x)} {_f(yy)}"]
        for c in range(j.cols):
            seg.append(_edge(x + c * pw, yy, pw, True, hs[(r - 1) * j.cols + c], j.tab_size * min(1.0, ph / pw)))
        parts.append("".join(seg))
    vs = _tab_signs(j.seed, j.rows, j.cols, (j.cols - 1) * j.rows, "v")
    for c in range(1, j.cols):
        xx = x + c * pw
        seg = [f"M{_f(xx)} {_f(y)}"]
        for r in range(j.rows):
            seg.append(_edge(xx, y + r * ph, ph, False, vs[(c - 1) * j.rows + r], j.tab_size * min(1.0, pw / ph)))
        parts.append("".join(seg))
    if j.border:
        parts.append(f"M{_f(x)} {_f(y)}H{_f(x + w)}V{_f(y + h)}H{_f(x)}Z")
    return "".join(parts)


def grid_d(g: GridSpec, rect: tuple[float, float, float, float]) -> str:
    x, y, w, h = rect
    cw, ch = w / g.cols, h / g.rows
    if g.width_mm > cw + 1e-9 or g.height_mm > ch + 1e-9:
        raise ValueError("grid outlines larger than their cells")
    parts: list[str] = []
    for r in range(g.rows):
        for c in range(g.cols):
            cx, cy = x + (c + 0.5) * cw, y + (r + 0.5) * ch
            x0, y0, x1, y1 = cx - g.width_mm / 2, cy - g.height_mm / 2, cx + g.width_mm / 2, cy + g.height_mm / 2
            if g.shape == "circle":
                rx, ry = g.width_mm / 2, g.height_mm / 2
                parts.append(
                    f"M{_f(x0)} {_f(cy)}A{_f(rx)} {_f(ry)} 0 1 0 {_f(x1)} {_f(cy)}"
                    f"A{_f(rx)} {_f(ry)} 0 1 0 {_f(x0)} {_f(cy)}Z"
                )
                continue
            rad = min(g.radius_mm, g.width_mm / 2, g.height_mm / 2)
            parts.append(
                f"M{_f(x0 + rad)} {_f(y0)}H{_f(x1 - rad)}A{_f(rad)} {_f(rad)} 0 0 1 {_f(x1)} {_f(y0 + rad)}"
                f"V{_f(y1 - rad)}A{_f(rad)} {_f(rad)} 0 0 1 {_f(x1 - rad)} {_f(y1)}H{_f(x0 + rad)}"
                f"A{_f(rad)} {_f(rad)} 0 0 1 {_f(x0)} {_f(y1 - rad)}V{_f(y0 + rad)}"
                f"A{_f(rad)} {_f(rad)} 0 0 1 {_f(x0 + rad)} {_f(y0)}Z"
            )
    return "".join(parts)



def tuck_box_size(b: TuckBoxSpec) -> tuple[float, float]:
    """The flat (unfolded) width and height of the carton in mm: its trim."""
    return b.glue_mm + 2 * b.length_mm + 2 * b.width_mm, b.depth_mm + 2 * (b.width_mm + b.tuck_mm)


def tuck_box_d(b: TuckBoxSpec) -> str:
    g, L, W, H, tk = b.glue_mm, b.length_mm, b.width_mm, b.depth_mm, b.tuck_mm
    x1, x2, x3, x4, x5 = g, g + W, g + W + L, g + 2 * W + L, g + 2 * W + 2 * L
    top, bot = W + tk, W + tk + H  # the body panels' top and bottom edges
    dust = min(W * 0.6, W - 2)  # dust flap depth
    taper = min(5.0, H / 8)  # glue flap taper
    r = min(tk, L / 4)  # tuck flap corner

    def f(v: float) -> str:
        return _f(v)

    if b.part == "crease":
        lines = [f"M{f(x)} {f(top)}V{f(bot)}" for x in (x1, x2, x3, x4)]
        lines += [
            f"M{f(x1)} {f(top)}H{f(x2)}", f"M{f(x3)} {f(top)}H{f(x5)}", f"M{f(x4)} {f(top - W)}H{f(x5)}",
            f"M{f(x1)} {f(bot)}H{f(x4)}", f"M{f(x2)} {f(bot + W)}H{f(x3)}",
        ]
        return "".join(lines)

    def dust_up(xa: float, xb: float) -> str:  # left to right along the top edge, flap above it
        return f"L{f(xa + 2)} {f(top - dust)}L{f(xb - 8)} {f(top - dust)}L{f(xb)} {f(top - 4)}L{f(xb)} {f(top)}"

    def dust_down(xb: float, xa: float) -> str:  # right to left along the bottom edge, flap below it
        return f"L{f(xb - 2)} {f(bot + dust)}L{f(xa + 8)} {f(bot + dust)}L{f(xa)} {f(bot + 4)}L{f(xa)} {f(bot)}"

    def lid_up(xa: float, xb: float) -> str:
        y = top - W
        return (
            f"L{f(xa)} {f(y)}C{f(xa)} {f(y - tk * 0.6)} {f(xa + r * 0.4)} {f(y - tk)} {f(xa + r)} {f(y - tk)}"
            f"L{f(xb - r)} {f(y - tk)}C{f(xb - r * 0.4)} {f(y - tk)} {f(xb)} {f(y - tk * 0.6)} {f(xb)} {f(y)}"
            f"L{f(xb)} {f(top)}"
        )

    def lid_down(xb: float, xa: float) -> str:
        y = bot + W
        return (
            f"L{f(xb)} {f(y)}C{f(xb)} {f(y + tk * 0.6)} {f(xb - r * 0.4)} {f(y + tk)} {f(xb - r)} {f(y + tk)}"
            f"L{f(xa + r)} {f(y + tk)}C{f(xa + r * 0.4)} {f(y + tk)} {f(xa)} {f(y + tk * 0.6)} {f(xa)} {f(y)}"
            f"L{f(xa)} {f(bot)}"
        )

    return (
        f"M0 {f(top + taper)}L{f(x1)} {f(top)}"
        + dust_up(x1, x2) + f"L{f(x3)} {f(top)}" + dust_up(x3, x4) + lid_up(x4, x5)
        + f"L{f(x5)} {f(bot)}L{f(x4)} {f(bot)}" + dust_down(x4, x3) + lid_down(x3, x2) + dust_down(x2, x1)
        + f"L0 {f(bot - taper)}Z"
    )
