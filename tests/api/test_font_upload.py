"""Storefront fonts (issue #21): ``POST /v1/fonts`` sanitises an uploaded TTF/OTF/WOFF2 with the OpenType
Sanitizer, checks table checksums and the OS/2 fsType embedding permission, reads family/weight/style with
fontTools and stores the sanitised font content-addressed per storefront. Hostile fonts are 4xx, never 5xx.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont

from render_engine.farm.settings import ServiceSettings
from render_engine.inputs.font_upload import MAX_FONT_BYTES, embedding_of, sanitize_font, table_checksum_errors
from render_engine.model.errors import InvalidFont
from tests.toolkit import app_client

ROOT = Path(__file__).resolve().parents[2]
FONT = (ROOT / "fonts" / "dancing-script" / "DancingScript-Bold.otf").read_bytes()  # CFF, 236 glyphs
TTF = (ROOT / "fonts" / "noto-sans" / "NotoSans-Italic.ttf").read_bytes()
A, B = {"X-API-Key": "shop-a-key-0123456789"}, {"X-API-Key": "shop-b-key-0123456789"}


def _tables(raw: bytes) -> dict[bytes, tuple[int, int, int]]:
    """tag -> (directory entry offset, table offset, length)."""
    n = struct.unpack(">H", raw[4:6])[0]
    out = {}
    for i in range(n):
        tag, _sum, off, length = struct.unpack(">4sIII", raw[12 + 16 * i : 28 + 16 * i])
        out[tag] = (12 + 16 * i, off, length)
    return out


def _with_fs_type(raw: bytes, fs_type: int) -> bytes:
    """The font with OS/2.fsType set and its checksums made right again (fontTools recomputes them)."""
    font = TTFont(io.BytesIO(raw))
    font["OS/2"].fsType = fs_type
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


def _woff2(raw: bytes) -> bytes:
    font = TTFont(io.BytesIO(raw))
    font.flavor = "woff2"
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


def _hostile() -> dict[str, bytes]:
    t = _tables(TTF)
    cases = {"truncated": TTF[: len(TTF) // 2], "directory only": TTF[:12]}
    cases["garbage"] = b"\x00\x01\x00\x00" + b"\xff" * 4096
    b = bytearray(TTF)
    entry, off, _ = t[b"glyf"]
    b[off + 100] ^= 0xFF  # one flipped byte in glyph data: the checksum no longer matches
    cases["bad checksum"] = bytes(b)
    b = bytearray(TTF)
    b[entry + 12 : entry + 16] = struct.pack(">I", 0x7FFFFFFF)  # glyf claims 2 GB
    cases["huge table"] = bytes(b)
    b = bytearray(TTF)
    b[4:6] = struct.pack(">H", 5000)
    cases["5000 tables"] = bytes(b)
    cases["collection"] = b"ttcf" + TTF[4:]
    cases["png"] = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    return cases


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, engine: Any) -> Iterator[Any]:
    keys = [
        {"name": "shop-a", "key": "shop-a-key-0123456789", "scopes": ["storefront"]},
        {"name": "shop-b", "key": "shop-b-key-0123456789", "scopes": ["storefront"]},
    ]
    settings = ServiceSettings(
        storage_root=tmp_path_factory.mktemp("fonts-api"), redis_url=None, api_keys=json.dumps(keys),
        max_body_bytes=12_000_000,
    )
    with app_client(settings, engine) as c:
        c.storage_root = settings.storage_root  # type: ignore[attr-defined]
        yield c


def test_valid_fonts_are_read_from_their_own_tables() -> None:
    otf = sanitize_font(FONT)
    assert (otf.family, otf.family_id, otf.weight, otf.style, otf.format, otf.suffix) == (
        "Dancing Script", "dancing-script", 700, "normal", "otf", ".otf")
    assert otf.glyphs == 236 and otf.embedding == "installable"
    woff2 = sanitize_font(_woff2(TTF))
    assert (woff2.format, woff2.suffix, woff2.style, woff2.glyphs) == ("woff2", ".ttf", "italic", 3327)
    assert TTFont(io.BytesIO(woff2.data)).flavor is None, "stored decompressed"


@pytest.mark.parametrize(("fs_type", "ok"), [(0, "installable"), (4, "preview-print"), (8, "editable"),
                                             (2, None), (0x0200 | 4, None), (0x0100 | 8, "editable")])
def test_embedding_permissions(fs_type: int, ok: str | None) -> None:
    raw = _with_fs_type(TTF, fs_type)
    assert not table_checksum_errors(raw)
    if ok is None:
        with pytest.raises(InvalidFont, match=f"fsType 0x{fs_type:04X}"):
            sanitize_font(raw)
    else:
        assert sanitize_font(raw).embedding == ok == embedding_of(fs_type)


def test_upload_stores_the_sanitised_font_per_storefront(client: Any) -> None:
    r = client.post("/v1/fonts", content=FONT, headers={**A, "Content-Type": "font/otf"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["family_id"] == "dancing-script" and body["weight"] == 700 and body["fs_type"] == 0
    stored = client.storage_root / "fonts" / "shop-a" / f"{body['font_id']}.otf"
    assert stored.is_file() and hashlib.sha256(stored.read_bytes()).hexdigest() == body["font_id"]
    again = client.post("/v1/fonts", files={"file": ("d.otf", FONT, "font/otf")}, headers=A)
    assert again.status_code == 201 and again.json()["font_id"] == body["font_id"], "content-addressed"
    assert len(list(stored.parent.iterdir())) == 1
    mine = client.get("/v1/fonts", headers=A).json()["storefront"]
    theirs = client.get("/v1/fonts", headers=B).json()["storefront"]
    assert [f["id"] for f in mine] == ["dancing-script"] and theirs == [], "one storefront's fonts only"


def test_restricted_font_is_refused_naming_fs_type(client: Any) -> None:
    r = client.post("/v1/fonts", content=_with_fs_type(TTF, 2), headers=B)
    assert r.status_code == 422
    err = r.json()
    assert "fsType 0x0002" in json.dumps(err) and "body" in json.dumps(err)
    assert not (client.storage_root / "fonts" / "shop-b").exists(), "nothing stored"


@pytest.mark.parametrize("case", list(_hostile()))
def test_hostile_fonts_are_422_never_5xx(client: Any, case: str) -> None:
    r = client.post("/v1/fonts", content=_hostile()[case], headers=B)
    assert r.status_code == 422, (case, r.status_code, r.text)
    err = r.json()
    assert err["code"] == "invalid_font" and err["field"] == "body" and err["message"], r.text


def test_size_limit_and_auth(client: Any) -> None:
    r = client.post("/v1/fonts", content=b"\x00\x01\x00\x00" + b"\x00" * MAX_FONT_BYTES, headers=B)
    assert r.status_code == 413, r.text
    assert client.post("/v1/fonts", content=FONT).status_code == 401
    assert client.post("/v1/fonts", content=b"", headers=B).status_code == 422


def _renamed(raw: bytes, family: str) -> bytes:
    """The font under another family name (name IDs 1, 4, 16; checksums recomputed by fontTools)."""
    font = TTFont(io.BytesIO(raw))
    for rec in font["name"].names:
        if rec.nameID in (1, 16):
            rec.string = family
        elif rec.nameID == 4:
            rec.string = f"{family} Regular"
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


def _card(font: str) -> dict[str, Any]:
    return {"design": {"version": 1, "template": "card-5x7", "layers": [
        {"type": "background", "color": "#ffffff"},
        {"type": "text", "text": "Happy Birthday Rose", "font": {"family": font}, "size": 36, "color": "#1d3557",
         "box": {"x": 10, "y": 40, "width": 107, "height": 40}, "align": "center"}]}}


def test_uploaded_family_renders_in_that_storefronts_designs_only(client: Any) -> None:
    import numpy as np
    import pyvips

    brand = _renamed((ROOT / "fonts" / "lobster-two" / "LobsterTwo-Regular.otf").read_bytes(), "Shop Brand Script")
    r = client.post("/v1/fonts", content=brand, headers=A)
    assert r.status_code == 201 and r.json()["family_id"] == "shop-brand-script", r.text
    ok = client.post("/v1/preflight", json=_card("shop-brand-script"), headers=A)
    assert ok.status_code == 200, ok.text
    other = client.post("/v1/preflight", json=_card("shop-brand-script"), headers=B)
    assert other.status_code == 422 and other.json()["field"] == "design.layers[1].font.family", other.text

    def pixels(body: dict[str, Any]) -> Any:
        p = client.post("/v1/previews", json={**body, "width": 600}, headers={**A, "Accept": "image/png"})
        assert p.status_code == 200, p.text
        img = pyvips.Image.new_from_buffer(p.content, "")
        return np.ndarray(buffer=img.write_to_memory(), dtype=np.uint8, shape=(img.height, img.width, img.bands))

    mine, bundled, plain = pixels(_card("shop-brand-script")), pixels(_card("lobster-two")), pixels(_card("noto-sans"))
    assert np.array_equal(mine, bundled), "the uploaded outlines are the ones drawn (Lobster Two under a new name)"
    assert not np.array_equal(mine, plain)


def test_a_job_of_that_storefront_prints_the_uploaded_font(client: Any, tmp_path: Path) -> None:
    import subprocess
    import time

    brand = _renamed((ROOT / "fonts" / "lobster-two" / "LobsterTwo-Regular.otf").read_bytes(), "Shop Brand Script")
    assert client.post("/v1/fonts", content=brand, headers=A).status_code == 201
    r = client.post("/v1/jobs", json={**_card("shop-brand-script"), "outputs": {"formats": ["pdf"]}}, headers=A)
    assert r.status_code in (200, 202), r.text
    jid = r.json()["job_id"]
    deadline = time.monotonic() + 60
    while (job := client.get(f"/v1/jobs/{jid}", headers=A).json())["state"] not in ("ready", "failed"):
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
    assert job["state"] == "ready", job
    pdf = client.get(f"/v1/jobs/{jid}/files/print.pdf", headers=A)
    assert pdf.status_code == 200
    (tmp_path / "p.pdf").write_bytes(pdf.content)
    fonts = subprocess.run(["pdffonts", str(tmp_path / "p.pdf")], capture_output=True, text=True, check=True)
    assert len(fonts.stdout.strip().splitlines()) == 2, "outlined: no font objects in the print file"
