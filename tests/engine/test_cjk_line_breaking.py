"""CJK line breaking (UAX #14 through ICU) as a customer's card prints it: Han text breaks between any two
ideographs, but never before closing punctuation nor after opening brackets (kinsoku), and a Latin word inside
Chinese text stays whole. Lines are read back from the preflight text echo, i.e. the laid-out lines."""

from __future__ import annotations

from itertools import pairwise

import pytest

from render_engine import preflight

TEXT = "我们祝你生日快乐，愿你每天都开心。「幸福」永远陪伴你！谢谢你，亲爱的朋友。（二〇二六年）"
CLOSING = set("，。、！？」』）〕】；：")
OPENING = set("「『（〔【")


def _lines(text: str, width_mm: float) -> list[str]:
    design = {"version": 1, "template": "card-5x7", "layers": [
        {"type": "text", "text": text, "font": {"family": "noto-sans"}, "size": 18, "color": "#000000",
         "box": {"x": 10, "y": 10, "width": width_mm, "height": 157}}]}  # fmt: skip
    (echo,) = preflight(design).texts
    return list(echo.lines)


@pytest.mark.parametrize("width_mm", [22, 30, 38, 47, 61])
def test_han_text_wraps_between_ideographs_but_not_around_punctuation(width_mm: float) -> None:
    lines = _lines(TEXT, width_mm)
    assert "".join(lines) == TEXT  # nothing lost, nothing added (no hyphens, no spaces)
    assert len(lines) >= 3
    for n, line in enumerate(lines):
        assert line, lines
        assert line[0] not in CLOSING, f"line {n} starts with closing punctuation: {lines}"
        assert line[-1] not in OPENING, f"line {n} ends with an opening bracket: {lines}"
    # ideographs do break anywhere: at least one line ends between two Han characters
    han = lambda c: "\u4e00" <= c <= "\u9fff"  # noqa: E731
    assert any(han(a[-1]) and han(b[0]) for a, b in pairwise(lines)), lines


def test_a_latin_word_inside_chinese_text_is_never_split() -> None:
    """(A word wider than the whole box does break between letters, as in Latin text: not tested here.)"""
    text = "祝你 Birthday 快乐和 Happiness 永远"
    for width in (36, 41, 47):
        lines = _lines(text, width)
        words = " ".join(lines).split()
        assert "Birthday" in "".join(lines) and "Happiness" in "".join(lines)
        assert "Birthday" in words and "Happiness" in words, lines
        assert len(lines) >= 2
