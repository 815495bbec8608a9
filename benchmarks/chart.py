"""``--chart``: a PNG for people who would rather look than read, drawn with Pillow.

Top: p50 latency per workload, ours vs baseline, with a whisker to p95. Bottom: where the time goes,
per-step medians stacked (ours, and the baseline's own steps below it). Each workload row has its own
scale (a 20 s poster next to a 0.3 s mug would otherwise be unreadable); the numbers are printed on the
bars.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from render_engine.model.settings import bundled_dir

from .report import speed_words
from .results import Report, Row, Summary

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
RGB = tuple[int, int, int]

OURS: RGB = (38, 110, 180)
BASELINE: RGB = (160, 160, 160)
INK: RGB = (30, 30, 30)
MUTED: RGB = (120, 120, 120)
GRID: RGB = (225, 225, 225)
STEP_COLOURS: dict[str, RGB] = {
    "parse": (141, 211, 199), "resolve": (255, 237, 111), "layout": (190, 186, 218), "draw": (251, 128, 114),
    "write": (128, 177, 211), "decode": (253, 180, 98), "resize": (179, 222, 105), "colour": (252, 205, 229),
    "encode": (188, 128, 189), "text": (204, 235, 197), "scene": (217, 217, 217), "warp": (255, 255, 179),
}  # fmt: skip
OTHER_STEP: RGB = (200, 200, 200)
FONT_FILE = bundled_dir("fonts") / "noto-sans" / "NotoSans-Regular.ttf"
LABEL_W = 210
MARGIN = 24


def _font(size: int) -> Font:
    try:
        return ImageFont.truetype(str(FONT_FILE), size)
    except OSError:
        return ImageFont.load_default(size)


@dataclass
class Painter:
    draw: ImageDraw.ImageDraw
    width: int
    small: Font
    normal: Font
    bold: Font

    @property
    def bar_x0(self) -> int:
        return MARGIN + LABEL_W

    @property
    def bar_w(self) -> int:
        return self.width - self.bar_x0 - MARGIN - 170  # room for the value label

    def text(self, xy: tuple[float, float], s: str, font: Font | None = None, fill: RGB = INK) -> None:
        self.draw.text(xy, s, font=font or self.normal, fill=fill, anchor="lm")


def render_chart(report: Report, path: Path, size: tuple[int, int] = (1200, 800)) -> Path:
    width, height = size
    img = Image.new("RGB", size, "white")
    p = Painter(ImageDraw.Draw(img), width, _font(13), _font(15), _font(18))
    m = report.machine
    title = f"render-bench  {report.created}  {m.get('cpu_model')} x{m.get('cores')}  commit {m.get('git_commit')}"
    p.text((MARGIN, 22), title, p.bold)
    if report.config.get("quick"):
        p.text((width - MARGIN - 330, 22), "QUICK run: tiny inputs, not meaningful", p.small, (200, 60, 60))
    rows = report.rows
    n = max(1, len(rows))
    legend_h = 34
    free = height - 50 - 2 * 34 - legend_h - MARGIN
    row_h = max(18, min(90, free // (2 * n)))
    y = 50
    p.text((MARGIN, y + 14), "p50 latency per workload (whisker: p95)", p.bold)
    p.draw.rectangle((width - MARGIN - 250, y + 7, width - MARGIN - 236, y + 21), fill=OURS)
    p.text((width - MARGIN - 230, y + 14), "ours", p.small)
    p.draw.rectangle((width - MARGIN - 180, y + 7, width - MARGIN - 166, y + 21), fill=BASELINE)
    p.text((width - MARGIN - 160, y + 14), "baseline (Pillow + ReportLab)", p.small)
    y += 34
    for row in rows:
        _latency_row(p, row, y, row_h)
        y += row_h
    p.text((MARGIN, y + 14), "where the time goes: per-step medians (ours on top, baseline below)", p.bold)
    y += 34
    steps_seen: list[str] = []
    for row in rows:
        steps_seen += _steps_row(p, row, y, row_h)
        y += row_h
    _legend(p, list(dict.fromkeys(steps_seen)), y + 8)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "PNG", optimize=False, compress_level=6)
    return path


def _label(p: Painter, row: Row, y: int, h: int) -> None:
    p.text((MARGIN, y + h / 2 - 7), f"{row.key} {row.name}", p.normal)
    if row.ours is not None and row.ours.workers > 1:
        p.text((MARGIN, y + h / 2 + 10), f"{row.ours.workers} workers", p.small, MUTED)


def _latency_row(p: Painter, row: Row, y: int, h: int) -> None:
    _label(p, row, y, h)
    p.draw.line((p.bar_x0, y + h, p.bar_x0 + p.bar_w, y + h), fill=GRID)
    if row.status == "skipped" or row.ours is None:
        reason = f"{row.status}: {(row.reason or '').splitlines()[0]}"
        p.text((p.bar_x0, y + h / 2), _fit(p, reason, p.width - p.bar_x0 - MARGIN), p.small, MUTED)
        return
    bars = [(row.ours, OURS)] + ([(row.baseline, BASELINE)] if row.baseline is not None else [])
    scale = max(_finite(s.p95_s) for s, _ in bars) or 1.0
    bh = max(6, int((h - 8) / len(bars)) - 2)
    for i, (s, colour) in enumerate(bars):
        top = y + 4 + i * (bh + 2)
        length = _finite(s.p50_s) / scale * p.bar_w
        p.draw.rectangle((p.bar_x0, top, p.bar_x0 + max(1, length), top + bh), fill=colour)
        whisker = p.bar_x0 + _finite(s.p95_s) / scale * p.bar_w
        mid = top + bh / 2
        p.draw.line((p.bar_x0 + length, mid, whisker, mid), fill=INK)
        p.draw.line((whisker, top + 2, whisker, top + bh - 2), fill=INK)
        p.text((p.bar_x0 + p.bar_w + 8, mid), _value_label(row, s, colour is BASELINE), p.small)


def _value_label(row: Row, s: Summary, is_baseline: bool) -> str:
    label = f"{_finite(s.p50_s) * 1000:.0f} ms"
    if s.workers > 1:
        label += f", {s.throughput_per_s:.1f}/s"
        if s.parallel_efficiency is not None:
            label += f", eff {s.parallel_efficiency * 100:.0f}%"
    if not is_baseline and row.baseline is not None and s.p50_s:
        label += f"  ({speed_words(s.p50_s / row.baseline.p50_s)})"
    return label


def _steps_row(p: Painter, row: Row, y: int, h: int) -> list[str]:
    _label(p, row, y, h)
    p.draw.line((p.bar_x0, y + h, p.bar_x0 + p.bar_w, y + h), fill=GRID)
    bars = [s for s in (row.ours, row.baseline) if s is not None and s.steps]
    if not bars:
        return []
    scale = max(sum(s.steps.values()) for s in bars) or 1.0
    bh = max(6, int((h - 8) / len(bars)) - 2)
    for i, s in enumerate(bars):
        top = y + 4 + i * (bh + 2)
        x = float(p.bar_x0)
        for name, secs in s.steps.items():
            w = secs / scale * p.bar_w
            if w >= 0.5:
                p.draw.rectangle((x, top, x + w, top + bh), fill=STEP_COLOURS.get(name, OTHER_STEP), outline="white")
            if w > 70:
                p.draw.text((x + w / 2, top + bh / 2), f"{name} {secs * 1000:.0f}", font=p.small, fill=INK, anchor="mm")
            x += w
        p.text((p.bar_x0 + p.bar_w + 8, top + bh / 2), f"{sum(s.steps.values()) * 1000:.0f} ms", p.small)
    return [name for s in bars for name in s.steps]


def _legend(p: Painter, steps: list[str], y: int) -> None:
    x = float(MARGIN)
    for name in steps:
        p.draw.rectangle((x, y, x + 14, y + 14), fill=STEP_COLOURS.get(name, OTHER_STEP))
        p.text((x + 20, y + 7), name, p.small)
        x += 30 + p.draw.textlength(name, font=p.small)


def _fit(p: Painter, text: str, width: float) -> str:
    """``text`` cut to ``width`` pixels, with an ellipsis when cut."""
    if p.draw.textlength(text, font=p.small) <= width:
        return text
    while text and p.draw.textlength(text + "…", font=p.small) > width:
        text = text[:-1]
    return text + "…"


def _finite(v: float | None) -> float:
    return v if v is not None and v == v and v not in (float("inf"), float("-inf")) else 0.0
