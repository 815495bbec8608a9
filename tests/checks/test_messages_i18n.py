"""Customer-facing preflight messages in English, Hindi and Simplified Chinese (issue #21): gettext catalogues
chosen by ``Accept-Language`` on the API and ``--lang`` on the CLI; codes, fields and details stay English."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from render_engine import preflight
from render_engine.checks.messages import LANGUAGES, Msg, language_of, negotiate, translate
from render_engine.engine import Engine
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import compile_messages

from tests.toolkit import app_client

DESIGN = {"version": 1, "template": "mug-11oz", "layers": [
    {"type": "background", "color": "#ffffff"},
    {"type": "text", "text": "Happy Brithday  Grandma ", "font": {"family": "noto-sans"}, "size": 5,
     "color": "#fafafa", "box": {"x": -5, "y": 2, "width": 60, "height": 10}}]}
CODES = {"safe.text_outside", "text.too_small", "text.spaces", "text.low_contrast", "text.spelling"}


def _script_share(text: str, lang: str) -> float:
    """Share of the non-ASCII letters (vowel signs included) in the language's script; at least 5 of them.
    ASCII words are the customer's own text, names or units."""
    letters = [c for c in text if (c.isalpha() or unicodedata.category(c).startswith("M")) and not c.isascii()]
    if len(letters) < 5:
        return 0.0
    if lang == "hi":
        return sum(0x0900 <= ord(c) <= 0x097F for c in letters) / len(letters)
    return sum(0x4E00 <= ord(c) <= 0x9FFF for c in letters) / len(letters)


@pytest.fixture(scope="module")
def report(engine: Engine) -> Any:
    rep = preflight(DESIGN, engine=engine)
    assert set(rep.codes()) >= CODES
    return rep


def test_catalogues_cover_every_message_and_the_mo_files_are_fresh() -> None:
    """Every literal Msg template in render_engine/checks and every vocabulary word has a Hindi and a Chinese
    translation with the same {fields}, and the committed .mo files are what Babel compiles from the .po."""
    assert len(compile_messages.templates()) > 60
    for lang in ("hi", "zh-Hans"):
        assert compile_messages.problems(lang) == []
        mo = compile_messages.po_path(lang).with_suffix(".mo")
        assert mo.read_bytes() == compile_messages.compiled(lang), "run scripts/compile_messages.py"


def test_english_report_is_unchanged_and_messages_translate(report: Any) -> None:
    by_code = {f.code: f for f in report.findings}
    low = by_code["text.low_contrast"]
    assert low.message == "White text on a white mug will not be visible."
    assert translate(low.message, "hi") == "सफ़ेद मग पर सफ़ेद टेक्स्ट दिखाई नहीं देगा।"
    assert translate(low.message, "zh-Hans") == "白色马克杯上的白色文字将看不见。"
    small = by_code["text.too_small"]
    assert translate(small.message, "zh-Hans") == "这段文字非常小（5 磅），印刷后可能难以阅读。"
    spell = by_code["text.spelling"]
    assert "Brithday" in translate(spell.message, "hi") and "Birthday" in translate(spell.message, "hi")
    assert translate(spell.message, "hi").startswith("कृपया इनकी वर्तनी जाँचें")


@pytest.mark.parametrize("lang", ["hi", "zh-Hans"])
def test_report_json_in_a_language_keeps_codes_fields_and_details(report: Any, lang: str) -> None:
    en, out = report.to_dict(), report.to_dict(lang)
    assert out["lang"] == lang and "lang" not in en
    for a, b in zip(en["findings"], out["findings"], strict=True):
        assert {k: v for k, v in a.items() if k != "message"} == {k: v for k, v in b.items() if k != "message"}
        assert a["message"] != b["message"]
        assert _script_share(b["message"], lang) > 0.9, (lang, b["message"])


def test_messages_survive_pickling(report: Any) -> None:
    """Farm workers pass reports between processes: the template and values travel with the message."""
    again = pickle.loads(pickle.dumps(report))
    assert [translate(f.message, "hi") for f in again.findings] == [translate(f.message, "hi") for f in report.findings]
    assert [f.message for f in again.findings] == [f.message for f in report.findings]


def test_an_untranslated_message_stays_english() -> None:
    assert translate(Msg("Brand-new check {n}", n=3), "hi") == "Brand-new check 3"
    assert translate("plain text nobody translated", "zh-Hans") == "plain text nobody translated"


@pytest.mark.parametrize(("header", "want"), [
    (None, "en"), ("", "en"), ("hi-IN,hi;q=0.9,en;q=0.8", "hi"), ("zh-CN,zh;q=0.9", "zh-Hans"),
    ("zh-Hans-SG", "zh-Hans"), ("zh-TW,en;q=0.5", "en"), ("fr-FR,de;q=0.9", "en"), ("en;q=0.5,hi;q=0.8", "hi"),
    ("hi;q=0", "en"), ("*", "en"), ("hi;q=abc,zh", "zh-Hans"),
])
def test_accept_language_negotiation(header: str | None, want: str) -> None:
    assert negotiate(header) == want
    assert want in LANGUAGES


def test_language_tags() -> None:
    assert language_of("zh_CN") == "zh-Hans" and language_of("zh-Hant") is None and language_of("xx") is None


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, engine: Engine) -> Iterator[Any]:
    from render_engine.farm.settings import ServiceSettings

    settings = ServiceSettings(storage_root=tmp_path_factory.mktemp("i18n"), redis_url=None,
                               api_keys="storefront:sf-i18n-key-0123456789abcdef")
    with app_client(settings, engine) as c:
        yield c


def test_api_answers_in_the_accept_language(client: Any) -> None:
    key = {"X-API-Key": "sf-i18n-key-0123456789abcdef"}
    en = client.post("/v1/preflight", json={"design": DESIGN}, headers=key)
    hi = client.post("/v1/preflight", json={"design": DESIGN}, headers={**key, "Accept-Language": "hi-IN,en;q=0.5"})
    zh = client.post("/v1/preflight?proof=true", json={"design": DESIGN}, headers={**key, "Accept-Language": "zh-CN"})
    assert en.status_code == hi.status_code == zh.status_code == 200, (en.text, hi.text, zh.text)
    assert en.headers["content-language"] == "en" and hi.headers["content-language"] == "hi"
    assert zh.headers["content-language"] == "zh-Hans" and "Accept-Language" in zh.headers["vary"]
    assert [f["code"] for f in en.json()["findings"]] == [f["code"] for f in hi.json()["findings"]]
    assert hi.json()["text_hash"] == en.json()["text_hash"], "the echoed texts, and so the approval, are the same"
    low = next(f for f in hi.json()["findings"] if f["code"] == "text.low_contrast")
    assert low["message"] == "सफ़ेद मग पर सफ़ेद टेक्स्ट दिखाई नहीं देगा।" and low["detail"].startswith("text #fafafa")
    low = next(f for f in zh.json()["findings"] if f["code"] == "text.low_contrast")
    assert low["message"] == "白色马克杯上的白色文字将看不见。" and zh.json()["proof"]["url"]


def test_cli_preflight_lang(tmp_path: Path) -> None:
    design = tmp_path / "mug.json"
    design.write_text(json.dumps(DESIGN), encoding="utf-8")
    cmd = [sys.executable, "-m", "render_engine.cli", "preflight", str(design)]
    hi = subprocess.run([*cmd, "--lang", "hi"], capture_output=True, text=True, cwd=ROOT)
    assert hi.returncode == 0, hi.stderr
    assert "सफ़ेद मग पर सफ़ेद टेक्स्ट दिखाई नहीं देगा।" in hi.stdout and "text.low_contrast" in hi.stdout
    zh = subprocess.run([*cmd, "--lang", "zh-CN", "--json"], capture_output=True, text=True, cwd=ROOT)
    assert zh.returncode == 0 and json.loads(zh.stdout)["lang"] == "zh-Hans"
    bad = subprocess.run([*cmd, "--lang", "fr"], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "unknown language 'fr'" in bad.stderr and "Traceback" not in bad.stderr


def test_every_finding_message_is_translatable() -> None:
    """A check's message is a Msg (so the catalogues list it), never a bare literal or f-string."""
    import ast

    bare = []
    for path in sorted((ROOT / "render_engine").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("Finding", "share_warning"):
                index = 2 if getattr(node.func, "id", None) == "Finding" else 1
                if len(node.args) > index and isinstance(node.args[index], (ast.Constant, ast.JoinedStr, ast.BinOp)):
                    bare.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert bare == [], "wrap these messages in Msg(...) and run scripts/compile_messages.py"
