"""``render-engine gallery --design-templates``: library templates on every product they fit, every mockup
view, slots showing placeholders (#19); multi-surface ones show their first surface. Read back: index.html
names one decodable JPEG per (template, product, view, colour)."""

from __future__ import annotations

import re
from pathlib import Path

import pyvips

from render_engine.cli import main
from render_engine.engine import Engine
from render_engine.mockup.render import views_of


def test_gallery_of_design_templates(engine: Engine, tmp_path: Path) -> None:
    out = tmp_path / "gallery"
    args = ["gallery", "--design-templates", "christmas-tree", "team-tee", "--out", str(out), "--width", "200"]
    assert main(args) == 0
    page = (out / "index.html").read_text(encoding="utf-8")
    images = re.findall(r'<img src="([^"]+)"', page)
    expected = 0
    for product in ("mug-11oz", "card-5x7", "coaster-95-round", "tshirt-front-dtg", "tshirt-dtg"):
        t = engine.templates.get(product)
        expected += len(views_of(t.surface_template(next(iter(t.surfaces))) if t.surfaces else t))
    assert len(images) == expected == 11 and "err" not in page.split("<main>")[1]
    for name in images:
        img = pyvips.Image.new_from_file(str(out / name))
        assert img.width == 200 and img.avg() > 5
    assert sorted(p.name for p in (out / "designs").iterdir())[0] == "christmas-tree--card-5x7.json"
