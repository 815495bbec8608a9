"""SHA-256 of every output the engine makes for the bundled designs: the byte-identity check of refactors.

Renders every example in examples/ and every Fabric design in tests/fabric_corpus/ to PNG, PDF, the
preflight proof and the mockup, and prints one line per output::

    <design> <kind> <sha256> <bytes>

Run it on main before a restructuring and on the branch after; the two listings must be identical
(``diff`` them). It goes through the public API (``render_engine.render_design`` / ``render_mockup`` /
``load_design`` / ``preflight``) plus the proof writer, so it does not depend on where modules live.

    python scripts/output_hashes.py > before.txt          # on main
    python scripts/output_hashes.py > after.txt           # on the branch
    diff before.txt after.txt && echo identical

``--pixels`` hashes what a PNG *shows* instead of its bytes (Pillow's decode: mode, size, pixels, ICC profile,
resolution), for a change of the PNG encoder that keeps every pixel (issue 22: the strip encoder). PNG is
rendered at ``--dpi`` (default 100: the poster at its 300 DPI target is 78 megapixels, which proves
nothing more about byte identity and takes minutes on a shared machine); PDF at the template's own settings.
``--only NAME`` restricts to designs whose name contains NAME.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# SVG time budgets guard a server against hostile clip-art; here they would only make a run on a loaded machine
# fail (the shadows corpus design's PDF fallback rasterises a 12 x 16 in box at 300 DPI). They change no bytes.
os.environ.setdefault("RENDER_ENGINE_MAX_SVG_RENDER_SECONDS", "600")
os.environ.setdefault("RENDER_ENGINE_MAX_SVG_RENDER_SECONDS_TOTAL", "3600")

from render_engine import Design, default_engine, load_design, preflight, render_design, render_mockup  # noqa: E402


def designs() -> Iterator[tuple[str, Design, Path | None]]:
    """(name, design, base_dir) for every example and every Fabric corpus design (whose embedded images
    load_design keeps in a folder of its own: base_dir None)."""
    for path in sorted((ROOT / "examples").glob("*.json")):
        yield f"examples/{path.name}", load_design(path), path.parent
    corpus = ROOT / "tests" / "fabric_corpus"
    manifest: dict[str, Any] = json.loads((corpus / "manifest.json").read_text())
    size = (float(manifest["canvas"]["width"]), float(manifest["canvas"]["height"]))
    for name in sorted(manifest["designs"]):
        path = corpus / f"{name}.fabric.json"
        design = load_design(path, template=manifest["template"], canvas_size=size)
        yield f"fabric_corpus/{name}", design, None


def proof_bytes(design: Design, base_dir: Path | None, out: Path) -> bytes:
    from render_engine.checks.proof import write_proof
    from render_engine.pipeline import prepare
    from render_engine.public import fabric_assets_dir

    engine = default_engine()
    prepared = prepare(design, engine, base_dir or fabric_assets_dir(design) or Path.cwd())
    write_proof(preflight(design, base_dir=base_dir), prepared, engine, out)
    return out.read_bytes()


def part_outputs(design: Design, base_dir: Path | None, out: Path, dpi: float) -> Iterator[tuple[str, bytes]]:
    """A multi-surface design's outputs: every part's PNG (per page) and PDF, each surface's proof and the
    contact sheet, and the mockup of every surface that has a scene."""
    from render_engine.checks.surfaces import surface_reports, write_proofs
    from render_engine.parts import prepare_parts

    engine = default_engine()
    for fmt in ("png", "pdf"):
        for r in render_design(design, format=fmt, dpi=dpi if fmt == "png" else None, base_dir=base_dir).parts:  # type: ignore[arg-type]
            yield f"{fmt}:{r.part}:{'+'.join(r.surfaces)}", r.data
    prepared = prepare_parts(design, engine, base_dir or Path.cwd())
    for path in write_proofs(surface_reports(prepared, engine), engine, out):
        yield f"proof:{path.stem}", path.read_bytes()
    for s in prepared.surfaces():
        if s.ref.template.mockup:
            mockup = render_mockup(design, base_dir=base_dir, surface=s.ref.surface, page=s.ref.page)
            yield f"mockup:{s.ref.key}", mockup


def png_pixels(data: bytes) -> bytes:
    """What a PNG shows, decoded by Pillow (not libvips, which wrote it): a stable summary to hash."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        im.load()
        head = f"{im.mode} {im.size} {im.info.get('dpi')}\n".encode()
        return head + hashlib.sha256(im.info.get("icc_profile", b"")).digest() + im.tobytes()


def pdf_pixels(data: bytes) -> bytes:
    """What a PDF shows, to hash: every object in order with its streams decoded, a JPEG image stream
    (``DCTDecode``) by its pixels as libjpeg decodes them (libvips), and the trailer without the file ``/ID``
    (qpdf's deterministic ID hashes the file's bytes). Two PDFs whose JPEGs were encoded differently (e.g. in
    strips with restart markers) but decode to the same pixels give the same summary."""
    import io

    import pikepdf
    import pyvips

    h = hashlib.sha256()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                d = {k: v for k, v in obj.items() if k != "/Length"}
                h.update(repr(sorted((k, repr(v)) for k, v in d.items())).encode())
                if obj.get("/Filter") == pikepdf.Name.DCTDecode:
                    img = pyvips.Image.jpegload_buffer(bytes(obj.read_raw_bytes()))
                    h.update(f"{img.width}x{img.height}x{img.bands}".encode() + img.write_to_memory())
                else:
                    h.update(bytes(obj.read_bytes()))
            else:
                h.update(repr(obj).encode())
        trailer = {k: repr(v) for k, v in pdf.trailer.items() if k not in ("/ID", "/Size")}
        h.update(repr(sorted(trailer.items())).encode())
    return h.digest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dpi", type=float, default=100.0, help="PNG resolution (default 100)")
    ap.add_argument("--only", help="only designs whose name contains this")
    ap.add_argument(
        "--pixels",
        action="store_true",
        help="hash what PNGs and PDFs show (decoded pixels and streams), not their bytes",
    )
    args = ap.parse_args(argv)

    def line(name: str, kind: str, data: bytes) -> str:
        if args.pixels and data.startswith(b"\x89PNG\r\n\x1a\n"):
            return f"{name} {kind} {hashlib.sha256(png_pixels(data)).hexdigest()} pixels"
        if args.pixels and data.startswith(b"%PDF"):
            return f"{name} {kind} {pdf_pixels(data).hex()} pixels"
        return f"{name} {kind} {hashlib.sha256(data).hexdigest()} {len(data)}"

    with tempfile.TemporaryDirectory(prefix="output-hashes-") as tmp:
        for name, design, base in designs():
            if args.only and args.only not in name:
                continue
            if design.is_multi:
                for kind, data in part_outputs(design, base, Path(tmp) / "parts", args.dpi):
                    print(line(name, kind, data), flush=True)
                continue
            outputs = {
                "png": render_design(design, format="png", dpi=args.dpi, base_dir=base).data,
                "pdf": render_design(design, format="pdf", base_dir=base).data,
                "proof": proof_bytes(design, base, Path(tmp) / "proof.png"),
                "mockup": render_mockup(design, base_dir=base),
            }
            for kind, data in outputs.items():
                print(line(name, kind, data), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
