"""``render-engine personalize`` / ``design-templates`` and the public ``render_engine.personalize`` (issue #19)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pikepdf
import pytest

import render_engine
from render_engine.cli import main

REPO = Path(__file__).resolve().parents[2]
MM_PER_PT = 25.4 / 72


@pytest.fixture()
def photo(tmp_path: Path) -> Path:
    return Path(shutil.copy(REPO / "examples" / "assets" / "portrait.jpg", tmp_path / "me.jpg"))


def test_cli_personalize_writes_the_print_file(photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main([
        "personalize", "birthday-balloons", "--product", "card-5x7", "--set", "name=Asha",
        "--set", "name.color=#118ab2", "--set", "date=2026-12-24", "--photo", f"photo={photo}",
        "--out", str(out), "--dpi", "50", "--design-json",
    ])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    pdf_path = out / "birthday-balloons-card-5x7.pdf"
    with pikepdf.open(pdf_path) as pdf:
        trim = [float(v) for v in pdf.pages[0].TrimBox]
    assert (trim[2] - trim[0]) * MM_PER_PT == pytest.approx(127.0, abs=0.01)
    assert (trim[3] - trim[1]) * MM_PER_PT == pytest.approx(177.8, abs=0.01)
    filled = json.loads((out / "birthday-balloons-card-5x7.design.json").read_text(encoding="utf-8"))
    texts = [layer["text"] for layer in filled["layers"] if layer["type"] == "text"]
    assert texts == ["Happy Birthday", "Asha", "24 December 2026"]
    assert [layer.get("asset") for layer in filled["layers"] if layer["type"] == "image"] == ["me.jpg"]


def test_cli_personalize_lists_every_problem(photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main([
        "personalize", "birthday-balloons", "--product", "mug-11oz", "--set", "name=Asha the magnificent one",
        "--set", "age=1234", "--set", "date=tomorrow", "--photo", f"photo={tmp_path / 'missing.jpg'}",
        "--out", str(tmp_path / "out"),
    ])  # fmt: skip
    err = capsys.readouterr().err.splitlines()
    assert code == 1
    assert err[:3] == [
        "error: slots.name: at most 18 characters (it has 24)",
        "error: slots.age: at most 3 characters (it has 4)",
        "error: slots.date: a date as YYYY-MM-DD",
    ]
    assert err[3].startswith("error: photos.photo: asset file not found") and len(err) == 4
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["personalize", "no-such", "--product", "mug-11oz"], "error: design_template: unknown design template"),
        (["personalize", "birthday-balloons", "--product", "poster-24x36", "--set", "name=A"],
         "error: product: design template 'birthday-balloons' is not made for this product; it fits: mug-11oz"),
        (["personalize", "birthday-balloons", "--product", "mug-11oz", "--set", "name"],
         "error: --set 'name': write it as SLOT=VALUE"),
    ],
)  # fmt: skip
def test_cli_bad_input_is_one_line(argv: list[str], line: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0].startswith(line) and "Traceback" not in err


def test_cli_design_templates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["design-templates", "--occasion", "diwali", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {t["id"] for t in listed} == {"diwali-diya", "diwali-diya-hi", "diwali-folded-card"}
    hindi = next(t for t in listed if t["id"] == "diwali-diya-hi")
    assert hindi["language"] == "hi" and hindi["slots"]["name"]["scripts"] == ["Devanagari", "Latin"]
    assert "placeholder_svg" not in json.dumps(listed)
    assert main(["design-templates", "--product", "tshirt-front-dtg"]) == 0
    out = capsys.readouterr().out
    assert "corporate-logo-name" in out and "christmas-tree" not in out


def test_public_api(photo: Path, tmp_path: Path) -> None:
    assert "personalize" in render_engine.__all__
    rendered = render_engine.personalize(
        "corporate-logo-name", "tshirt-front-dtg", {"name": "Asha Rao", "title": "Engineer"}, {"logo": photo},
        dpi=30,
    )  # fmt: skip
    assert rendered.format == "png" and rendered.pixels == (round(304.8 / 25.4 * 30), round(406.4 / 25.4 * 30))
    values = {"name1": "Asha", "name2": "Ravi"}
    design = render_engine.fill_design_template("valentine-hearts", "coaster-95-round", values)
    assert design.template == "coaster-95-round"
    zh = [t.id for t in render_engine.design_templates(language="zh")]
    assert zh == ["chinese-new-year-2027", "spring-festival-couplet"]
    with pytest.raises(render_engine.DesignError) as exc:
        render_engine.fill_design_template("valentine-hearts", "mug-11oz", {"name1": "A" * 15})
    assert [p.field for p in exc.value.problems] == ["slots.name1", "slots.name2"]


def test_cli_merge_validates_every_row_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "name,title,logo\nAsha Rao,Engineer,logo.jpg\n,Manager,logo.jpg\nA very long name for a mug badge,,nope.jpg\n"
        "Ravi,Boss\U000f0000,logo.jpg\n"
    )
    shutil.copy(REPO / "examples" / "assets" / "landscape.jpg", tmp_path / "logo.jpg")
    out = tmp_path / "out"
    assert main(["merge", "corporate-logo-name", str(rows), "--product", "mug-11oz", "--out", str(out)]) == 1
    lines = capsys.readouterr().err.splitlines()
    err = [line for line in lines if line.startswith("error:")]
    assert lines[0].startswith("check  [") and lines[-1] == err[-1]  # progress while checking, then the errors
    assert err[0] == "error: rows[2].slots.name: required (Employee name)"
    assert err[1] == "error: rows[3].slots.name: at most 28 characters (it has 32)"
    assert err[2].startswith("error: rows[3].photos.logo: asset file not found")
    assert err[3].startswith("error: rows[4].slots.title: no bundled font can print U+F0000") and len(err) == 4
    assert not out.exists()  # nothing rendered while a row is bad


def test_cli_merge_renders_each_row_with_a_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import hashlib

    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps([{"name": "Asha", "age": "7"}, {"name": "Ravi", "age": "10", "name.color": "#06d6a0"}]))
    out = tmp_path / "out"
    code = main(["merge", "birthday-name-tee", str(rows), "--product", "tshirt-front-dtg", "--out", str(out),
                 "--dpi", "20", "--quiet"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    manifest = json.loads((out / "manifest.json").read_text())
    assert [r["row"] for r in manifest["rows"]] == [1, 2]
    for entry in manifest["rows"]:
        (f,) = entry["files"]
        assert hashlib.sha256((out / f["name"]).read_bytes()).hexdigest() == f["sha256"]
    assert manifest["rows"][0]["files"][0]["sha256"] != manifest["rows"][1]["files"][0]["sha256"]


def test_cli_merge_reads_a_photos_list_from_a_csv_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A ``photos`` slot's cell lists its photos separated by '|' (a calendar's 13): each row gets its list,
    checked as a whole (13 to 13 photos), the count named at rows[n].photos.photos."""
    shutil.copy(REPO / "examples" / "assets" / "poster-photo.jpg", tmp_path / "p.jpg")
    rows = tmp_path / "rows.csv"
    rows.write_text("title,photos\nThe Raos," + "|".join(["p.jpg"] * 13) + "\nThe Lins,p.jpg | p.jpg\n")
    code = main(["merge", "family-calendar-2027", str(rows), "--product", "calendar-wall-a4", "--out",
                 str(tmp_path / "out"), "--quiet"])  # fmt: skip
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert code == 1 and err == ["error: rows[2].photos.photos: 13 to 13 photos (it has 2)"], err
    assert not (tmp_path / "out").exists()
