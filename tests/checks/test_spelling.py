"""``text.spelling``: hunspell en_US (spylls) over message text, names and ALL-CAPS left alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from render_engine import preflight
from render_engine.checks.preflight import PreflightReport
from render_engine.checks.spelling import spelling_suggestions
from render_engine.engine import Engine
from render_engine.model.settings import Settings
from tests.conftest import ROOT


def _report(engine: Engine, *texts: str) -> PreflightReport:
    layers = [{"type": "text", "text": t, "font": {"family": "noto-sans"}, "size": 14, "color": "#000000",
               "box": {"x": 10, "y": 20 + 25 * i, "width": 100, "height": 20}} for i, t in enumerate(texts)]
    return preflight({"version": 1, "template": "card-5x7", "layers": layers}, engine=engine)


def test_a_typo_is_flagged_with_the_right_suggestion(engine: Engine) -> None:
    rep = _report(engine, "Happy Brithday")
    found = [f for f in rep.findings if f.code == "text.spelling"]
    assert len(found) == 1 and found[0].severity == "warning" and found[0].layer == 0
    assert found[0].measured == ["Brithday"]
    assert "Birthday" in found[0].extra["words"][0]["suggestions"]
    assert "Birthday" in found[0].message


def test_names_and_all_caps_are_not_flagged(engine: Engine) -> None:
    rep = _report(engine, "Grandma Rose", "Aarav", "MAX", "Love you Priya and Jonas, from Mia")
    assert not [f for f in rep.findings if f.code == "text.spelling"]


def test_lower_case_typos_are_flagged_and_words_are_checked_once() -> None:
    assert spelling_suggestions("happy") is None
    found = spelling_suggestions("beautifull")
    assert found is not None and "beautiful" in found
    assert spelling_suggestions("Rohan") is None, "a capitalised unknown word without a swap is a name"
    assert spelling_suggestions("BRITHDAY") is None


def test_suggestions_are_the_dictionary_words_one_edit_away_most_likely_first() -> None:
    assert spelling_suggestions("gardner") == spelling_suggestions("gardner")  # deterministic
    assert (spelling_suggestions("gardner") or ())[:1] == ("gardener",), spelling_suggestions("gardner")
    assert (spelling_suggestions("anniversery") or ())[:1] == ("anniversary",)
    assert (spelling_suggestions("teh") or ())[:1] == ("the",), "a swap of neighbours ranks first"
    assert spelling_suggestions("Brithday") == ("Birthday",), "a name-like word offers only its swap"


def test_the_render_clis_quick_warnings_skip_the_dictionary(engine: Engine) -> None:
    from render_engine.checks.preflight import preflight as run_checks
    from render_engine.model.design import parse_design
    from render_engine.pipeline import prepare

    d = {"version": 1, "template": "card-5x7", "layers": [
        {"type": "text", "text": "Happy Brithday", "font": {"family": "noto-sans"}, "size": 14, "color": "#000000",
         "box": {"x": 10, "y": 20, "width": 100, "height": 20}}]}
    prep = prepare(parse_design(d), engine, ROOT)
    assert "text.spelling" in [f.code for f in run_checks(prep, engine).findings]
    assert "text.spelling" not in [f.code for f in run_checks(prep, engine, color=False, spelling=False).findings]


def test_the_shops_words_and_the_designs_confirmed_spellings_are_accepted(tmp_path: Path) -> None:
    """A shop's word list (Settings.spelling_words) and the design's meta.words silence exactly those words, in
    any case; other typos on the same line are still flagged."""
    text = "Thanks from Giftlyy: colour me beautifull"
    layers = [{"type": "text", "text": text, "font": {"family": "noto-sans"}, "size": 14, "color": "#000000",
               "box": {"x": 10, "y": 20, "width": 100, "height": 20}}]  # fmt: skip

    def flagged(engine: Engine, words: list[str]) -> list[str]:
        design = {"version": 1, "template": "card-5x7", "layers": layers, "meta": {"words": words}}
        return [w for f in preflight(design, engine=engine).findings if f.code == "text.spelling" for w in f.measured]

    plain = Engine()
    assert flagged(plain, []) == ["colour", "beautifull"]  # "Giftlyy" is a capitalised unknown word: a name
    words = tmp_path / "shop-words.txt"
    words.write_text("# our brand and house spellings\nColour\n  giftlyy  # the brand\n", encoding="utf-8")
    shop = Engine(Settings(spelling_words=words))
    assert flagged(shop, []) == ["beautifull"]
    assert flagged(plain, ["BEAUTIFULL", "colour"]) == []
    with pytest.raises(ValidationError, match="spelling_words"):
        Settings(spelling_words=tmp_path / "missing.txt")
