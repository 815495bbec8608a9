"""A PDF page's image layers are prepared on threads (render_engine/backends/pdf_images.py, issue 22): the photo
and the clip-art decode, convert and encode side by side, and the bytes stay exactly what the one-thread path
wrote."""

from __future__ import annotations

import threading
from pathlib import Path

import pikepdf
import pytest

from render_engine import Engine, render_design
from render_engine.backends import imaging, pdf_images
from render_engine.model.settings import Settings
from render_engine.testing import synth


def _design(folder: Path) -> dict[str, object]:
    synth.save_jpeg(synth.landscape(900, 600), folder / "photo.jpg")
    synth.save_png(synth.clipart(400, 310), folder / "clipart.png")
    return {
        "version": 1,
        "template": "mug-11oz",
        "layers": [
            {"type": "image", "asset": "photo.jpg", "box": {"x": -2, "y": -2, "width": 232.6, "height": 92.9}},
            {"type": "image", "asset": "clipart.png", "box": {"x": 150, "y": 12, "width": 60, "height": 47}},
            {
                "type": "text",
                "text": "Emma",
                "font": {"family": "noto-sans"},
                "size": 30,
                "box": {"x": 12, "y": 52, "width": 120, "height": 28},
            },
        ],
    }


def test_photo_and_clipart_bytes_are_the_same_ahead_on_threads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    design = _design(tmp_path)
    threads: set[str] = set()
    placed = imaging.placed_pixels

    def spy(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        threads.add(threading.current_thread().name)
        return placed(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pdf_images, "placed_pixels", spy)
    outs = {}
    for lut in (False, True):
        engine = Engine(Settings(color_lut=lut, color_cache_dir=tmp_path / "luts"))
        for n in range(2):  # the second page of a warm process converts through the table, ahead on threads
            out = tmp_path / f"{lut}-{n}.pdf"
            render_design(design, out, format="pdf", engine=engine, base_dir=tmp_path)
            outs[lut, n] = out.read_bytes()
    assert outs[True, 1] == outs[False, 0] == outs[False, 1] == outs[True, 0]
    assert threads and all(t.startswith("render-ahead") for t in threads), threads
    with pikepdf.open(tmp_path / "True-1.pdf") as pdf:
        xobjects = list(pdf.pages[0].Resources.XObject.values())
        assert len(xobjects) == 2 and sum("/SMask" in x for x in xobjects) == 1  # the clip-art keeps its alpha
        assert all(x.Filter == pikepdf.Name.DCTDecode and x.ColorSpace == pikepdf.Name.DeviceCMYK for x in xobjects)


def test_an_image_error_names_its_layer(tmp_path: Path) -> None:
    from render_engine.model.errors import RenderError

    design = _design(tmp_path)
    data = (tmp_path / "clipart.png").read_bytes()
    (tmp_path / "clipart.png").write_bytes(data[: len(data) // 2])  # truncated: the header reads, the pixels fail
    with pytest.raises(RenderError) as info:
        render_design(design, tmp_path / "x.pdf", format="pdf", engine=Engine(Settings()), base_dir=tmp_path)
    assert "layers[1]" in str(info.value.field)


def test_images_started_before_preflight_give_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # issue 22 (cold start): with an on_prepared callback (the command line's preflight) the page's image work
    # starts before it, and draw takes that work instead of starting it again; bytes as without
    from render_engine.model.design import parse_design
    from render_engine.pipeline import render_design as pipeline_render

    design = parse_design(_design(tmp_path))
    made: list[object] = []
    init = pdf_images.PageImages.__init__

    def counting(self: pdf_images.PageImages, *args: object, **kwargs: object) -> None:
        made.append(self)
        init(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pdf_images.PageImages, "__init__", counting)
    seen: list[int] = []
    outs = []
    for n, callback in enumerate((None, lambda prep: seen.append(len(made)))):
        engine = Engine(Settings(color_lut=False))
        out = tmp_path / f"{n}.pdf"
        pipeline_render(design, engine, out, base_dir=tmp_path, on_prepared=callback)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert len(made) == 2 and seen == [2], "one PageImages per render; the second started before on_prepared"


def test_work_started_for_other_items_is_not_taken(tmp_path: Path) -> None:
    from render_engine.backends.pdf import PdfOptions, build_pdf
    from render_engine.model.design import parse_design
    from render_engine.pipeline import prepare

    engine = Engine(Settings(color_lut=False))
    prep = prepare(parse_design(_design(tmp_path)), engine, tmp_path)
    t, options = prep.layout.template, PdfOptions()
    conv = engine.icc.converter(engine.icc.cmyk_profile(t.output.icc_profile).id, options.colors)
    args = (conv, t.dpi.target, options.downsample_above, options.jpeg_quality, options.lut_max_pixels)
    other = pdf_images.PageImages(list(prep.layout.items), *args)  # equal items, another list
    assert not other.made_for(prep.layout.items, *args) and other.made_for(other._made_for[0], *args)
    pdf = build_pdf(prep.layout, conv, options, None, other)
    assert not other._jobs, "the foreign work was closed"
    assert len(pdf.pages[0].Resources.XObject) == 2


def test_the_layer_with_most_source_pixels_builds_its_pipeline_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # issue 22: set up side by side, the photo's serial decode started a few ms late; the clip-art (layer 0
    # here) starts only once the photo's pipeline is built, and the bytes stay those of layer order
    design = _design(tmp_path)
    layers = design["layers"]
    assert isinstance(layers, list)
    design["layers"] = [layers[1], layers[0], layers[2]]
    events: list[tuple[str, str]] = []
    lock = threading.Lock()
    placed = imaging.placed_pixels

    def spy(info: imaging.ImageInfo, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        with lock:
            events.append(("start", info.path.name))
        try:
            return placed(info, *args, **kwargs)  # type: ignore[arg-type]
        finally:
            with lock:
                events.append(("end", info.path.name))

    monkeypatch.setattr(pdf_images, "placed_pixels", spy)
    engine = Engine(Settings(color_lut=True, color_cache_dir=tmp_path / "luts"))
    for n in range(2):  # a process's first page through littleCMS, the second through the exact table
        events.clear()
        render_design(design, tmp_path / f"{n}.pdf", format="pdf", engine=engine, base_dir=tmp_path)
        assert events[:3] == [("start", "photo.jpg"), ("end", "photo.jpg"), ("start", "clipart.png")], events
    assert (tmp_path / "0.pdf").read_bytes() == (tmp_path / "1.pdf").read_bytes()


def test_an_opaque_photo_is_collected_after_the_later_layers_are_drawn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # issue 22: the draw loop no longer waits at the photo (layer 0): its size is known and it gets no soft
    # mask, so the clip-art and the name are drawn while it encodes; the bytes are those of waiting
    from render_engine.backends import pdf

    design = _design(tmp_path)
    order: list[str] = []
    result, text = pdf_images.PageImages.result, pdf._text

    def spy_result(self: pdf_images.PageImages, item: pdf_images.ImageItem) -> pdf_images.Placed:
        order.append(item.info.path.name)
        return result(self, item)

    def spy_text(*args: object) -> None:
        order.append("text")
        text(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(pdf_images.PageImages, "result", spy_result)
    monkeypatch.setattr(pdf, "_text", spy_text)
    outs, orders = [], []
    for n in range(2):
        if n:
            monkeypatch.setattr(pdf_images.PageImages, "pending", lambda self, item: None)  # the old way: wait
        order.clear()
        engine = Engine(Settings(color_lut=False))
        render_design(design, tmp_path / f"{n}.pdf", format="pdf", engine=engine, base_dir=tmp_path)
        outs.append((tmp_path / f"{n}.pdf").read_bytes())
        orders.append(list(order))
    assert orders == [["clipart.png", "text", "photo.jpg"], ["photo.jpg", "clipart.png", "text"]]
    assert outs[0] == outs[1]


def test_a_broken_photo_drawn_before_it_was_done_names_its_layer(tmp_path: Path) -> None:
    from render_engine.model.errors import RenderError

    design = _design(tmp_path)
    data = (tmp_path / "photo.jpg").read_bytes()
    (tmp_path / "photo.jpg").write_bytes(data[: len(data) // 2])  # truncated: the header reads, the pixels fail
    with pytest.raises(RenderError) as info:
        render_design(design, tmp_path / "x.pdf", format="pdf", engine=Engine(Settings()), base_dir=tmp_path)
    assert "layers[0]" in str(info.value.field)
