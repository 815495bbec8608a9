"""The schema-free fast path of design (and template, settings) validation accepts only what pydantic accepts,
with an equal result, and defers everything else to pydantic (render_engine/model/fast_validate.py, issue 22).

For every bundled example, every design the Fabric importer makes of the corpus, every product template and
thousands of mutated designs: ``fast_validate`` returns ``None``, or pydantic validates the same data to an
equal model — same classes, same values and value types, same ``model_fields_set`` at every level, same
private attributes — and ``model_dump`` / ``model_dump_json`` agree. Error messages never come from the fast
path (it has none): a design pydantic refuses is always deferred.
"""

from __future__ import annotations

import copy
import json
import math
import random
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from render_engine.model import fast_validate as fv
from render_engine.model.design import Design, parse_design
from render_engine.model.errors import DesignError
from render_engine.model.settings import Settings
from render_engine.model.templates import Template
from tests.conftest import EXAMPLES, ROOT, design

CORPUS = ROOT / "tests" / "fabric_corpus"
TEMPLATES = ROOT / "templates_print"


def _same(a: Any, b: Any, where: str = "") -> None:
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, BaseModel):
        assert a.model_fields_set == b.model_fields_set, where
        assert a.__pydantic_private__ == b.__pydantic_private__, where
        assert a.__pydantic_extra__ == b.__pydantic_extra__, where
        assert list(a.__dict__) == list(b.__dict__), where
        for name in a.__dict__:
            _same(a.__dict__[name], b.__dict__[name], f"{where}.{name}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            _same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _check(cls: type[BaseModel], data: Any) -> bool:
    """True when the fast path accepted ``data`` (and then matched pydantic exactly)."""
    before = copy.deepcopy(data)
    fast = fv.fast_validate(cls, data)
    assert data == before or data != data, "the fast path changed its input"
    try:
        slow = cls.model_validate(data)
    except Exception:
        assert fast is None, f"fast path accepted what pydantic refuses: {data!r:.300}"
        return False
    if fast is None:
        return False
    _same(fast, slow, cls.__name__)
    assert fast.model_dump() == slow.model_dump()
    assert fast.model_dump_json() == slow.model_dump_json()
    return True


def _examples() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.json"))]


def _fabric_designs(engine: Any, tmp_path: Path) -> list[dict[str, Any]]:
    """The design JSON the Fabric importer hands ``parse_design`` for every corpus file."""
    from render_engine.fabric import FabricOptions, importer

    made: list[dict[str, Any]] = []

    def record(data: Any, *args: Any, **kwargs: Any) -> Design:
        made.append(copy.deepcopy(data))
        return parse_design(data, *args, **kwargs)

    template = engine.templates.get(json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))["template"])
    mp = pytest.MonkeyPatch()
    mp.setattr(importer, "parse_design", record)
    try:
        for path in sorted(CORPUS.rglob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                importer.import_fabric(data, template, engine.fonts, tmp_path, FabricOptions())
            except Exception:
                continue
    finally:
        mp.undo()
    return made


def test_every_example_is_taken_and_equal() -> None:
    examples = _examples()
    taken = [_check(Design, d) for d in examples]
    assert len(examples) >= 20
    # calendar holidays (dates) and CMYK-free exotica may defer; the bulk must not
    assert sum(taken) >= len(examples) * 0.7, f"{sum(taken)} of {len(examples)} examples taken"


def test_every_fabric_import_is_equal(engine: Any, tmp_path: Path) -> None:
    designs = _fabric_designs(engine, tmp_path)
    assert len(designs) >= 30
    taken = [_check(Design, d) for d in designs]
    assert sum(taken) >= len(designs) * 0.5, f"{sum(taken)} of {len(designs)} imports taken"


def test_every_template_is_equal() -> None:
    files = sorted(TEMPLATES.glob("*.json"))
    taken = [_check(Template, json.loads(p.read_text(encoding="utf-8"))) for p in files]
    assert sum(taken) >= len(files) * 0.7, f"{sum(taken)} of {len(files)} templates taken"


def test_settings_defaults_are_equal(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in __import__("os").environ if k.upper().startswith("RENDER_ENGINE_")]:
        monkeypatch.delenv(key)
    assert _check(Settings, {})
    monkeypatch.setenv("RENDER_ENGINE_MAX_LAYERS", "7")  # a string from the environment: pydantic's to coerce
    assert not _check(Settings, {})
    assert Settings().max_layers == 7


# ------------------------------------------------------------------------------------------ mutations

ODD_VALUES: list[Any] = [
    None, True, False, 0, 1, -1, 0.5, -0.0, 1e308, 10**400, float("inf"), float("nan"), 2**63, "", "1", "12.5",
    "#fff", "#FFFFFF", "#ffffff\n", "auto", "\ud800", "a\x00b", "x" * 300, [], [1], {}, {"x": 1}, (1, 2), b"ab",
]  # fmt: skip


def _paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*at, i))
    return out


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        value = value[p]
    return value


def _mutate(base: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    data = copy.deepcopy(base)
    for _ in range(rng.choice((1, 1, 2, 3))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = rng.choice(paths)
        parent, key = _get(data, path[:-1]), path[-1]
        old = parent[key]
        r = rng.random()
        if r < 0.35:
            parent[key] = rng.choice(ODD_VALUES)
        elif r < 0.5 and isinstance(parent, dict):
            del parent[key]
        elif r < 0.6 and isinstance(parent, dict):
            parent[rng.choice(["extra", "Type", "box ", "colour", key + "_"])] = copy.deepcopy(old)
        elif r < 0.75 and isinstance(old, int | float) and not isinstance(old, bool):
            parent[key] = rng.choice([old * 10, -old, old + 0.5, int(old), float(old), old * 1e6, str(old)])
        elif r < 0.85 and isinstance(old, list):
            parent[key] = old + old[:1] if rng.random() < 0.5 else old[1:]
        elif isinstance(old, str):
            parent[key] = rng.choice([old.upper(), old + "\n", old[:-1], old * 3, " " + old, old.replace("#", "")])
        else:
            parent[key] = None
    return data


NULLABLE = [  # explicit nulls and constraint edges pydantic must agree on
    {"type": "image", "asset": "a.jpg", "asset_id": None, "box": {"x": 0, "y": 0, "width": 1, "height": 1}},
    {"type": "image", "asset": None, "asset_id": "abc", "box": {"x": 0, "y": 0, "width": 1, "height": 1},
     "crop": None, "clip": None, "transform": None},
    {"type": "image", "asset": "a.jpg", "box": {"x": 0, "y": 0, "width": 1, "height": 1}, "crop": "auto"},
    {"type": "image", "asset": "a.jpg", "box": {"x": 0, "y": 0, "width": 1, "height": 1},
     "crop": {"x": 0, "y": 0, "width": 1, "height": 1}, "transform": [1, 0, 0, 1, 0, 0]},
    {"type": "text", "text": "Hi", "font": {"family": "noto-sans"}, "size": 12, "box": {"x": 0, "y": 0,
     "width": 10, "height": 10}, "spans": [{"start": 0, "end": 1, "size": None, "color": "#f00"}]},
    {"type": "svg", "svg": None, "file": "x.svg", "box": {"x": 0, "y": 0, "width": 1, "height": 1}},
    {"type": "shape", "shape": "rect", "box": {"x": 0, "y": 0, "width": 1, "height": 1},
     "fill": {"cmyk": [0, 0, 0, 100]}, "stroke": {"color": "#000", "dash": [1, 2]}},
    {"type": "shape", "shape": "path", "box": {"x": 0, "y": 0, "width": 1, "height": 1}, "d": "M0 0L1 1",
     "fill": {"type": "linear", "stops": [{"offset": 0, "color": "#000"}, {"offset": 1, "color": "#fff"}]}},
]  # fmt: skip


def test_mutated_designs_are_equal_or_deferred() -> None:
    rng = random.Random(22)
    bases = [*_examples(), *(design("mug-11oz", layer) for layer in NULLABLE)]
    for layer in NULLABLE:
        _check(Design, design("mug-11oz", layer))
    taken = valid = 0
    for base in bases:
        for _ in range(60):
            mutant = _mutate(base, rng)
            taken += _check(Design, mutant)
            try:
                Design.model_validate(mutant)
                valid += 1
            except Exception:
                continue
    # most mutants are refused (and deferred); of those pydantic accepts, the fast path must take nearly all,
    # or the comparison above proves little
    assert valid >= 150 and taken >= valid * 0.9, f"{taken} of {valid} valid mutants taken"


def test_a_refused_design_keeps_pydantics_messages() -> None:
    bad = design("mug-11oz", {"type": "text", "text": "Hi", "font": {"family": "noto-sans"}, "size": "12",
                              "box": {"x": 0, "y": 0, "width": 10, "height": 10}})  # fmt: skip
    assert fv.fast_validate(Design, bad) is None
    with pytest.raises(DesignError) as info:
        parse_design(bad)
    assert info.value.field == "layers[0].size" and "not a string" in info.value.message


def test_validate_uses_pydantic_once_its_validator_is_built() -> None:
    data = design("mug-11oz", {"type": "background", "color": "#102030"})
    Design.model_validate(data)  # builds Design's validator
    assert Design.__pydantic_complete__
    _same(fv.validate(Design, data), Design.model_validate(data))


def _fresh(code: str) -> str:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_a_fresh_process_parses_the_mug_without_building_a_schema() -> None:
    """What a cold ``render-engine render`` reads (settings, the design, its template) builds no pydantic
    schema: each build cost 1-35 ms of a fresh process, the first one ~15 more for pydantic's plugin loader."""
    built = _fresh(
        "import pydantic\n"
        "from render_engine.model.design import load_design_file, _default_settings\n"
        "from render_engine.model.templates import TemplateCatalog\n"
        "d = load_design_file(__import__('pathlib').Path('examples/mug-11oz-photo-name.json'))\n"
        "TemplateCatalog(_default_settings().templates_dir).get(d.template)\n"
        "import gc\n"
        "print(sorted(o.__name__ for o in gc.get_objects() if isinstance(o, type)\n"
        "    and issubclass(o, pydantic.BaseModel) and o.__pydantic_complete__))\n"
    )
    assert built == "[]", f"schemas built: {built}"


def test_a_fresh_process_generates_json_schemas_of_unbuilt_models() -> None:
    """The class-level defaults ``construct`` made (an unbuilt class's instances) still encode in any JSON
    Schema: the classes are built first (``DefaultsModel``)."""
    out = _fresh(
        "from pydantic import TypeAdapter\n"
        "from render_engine.model.design import CalendarLayer, Design\n"
        "from render_engine.model.templates import Template\n"
        "a = CalendarLayer.model_json_schema()['properties']['grid']['default']\n"
        "b = TypeAdapter(Design).json_schema()['$defs']['TextLayer']['properties']['color']['default']\n"
        "c = Template.model_json_schema()['properties']['dpi']['default']\n"
        "print(a['width'], b['hex'], c['target'])\n"
    )
    assert out == "0.5 #000000 300"


def test_a_long_lived_process_goes_over_to_pydantic() -> None:
    """The fast path serves a class's first FAST_CALLS validations; then pydantic builds its own validator
    (faster per value), and large designs go to pydantic at once."""
    out = _fresh(
        "from render_engine.model import fast_validate as fv\n"
        "from render_engine.model.design import Design, NormRect, parse_design\n"
        "seen = []\n"
        "for _ in range(fv.FAST_CALLS + 1):\n"
        "    fv.validate(NormRect, {'x': 0.25, 'width': 0.5})\n"
        "    seen.append(NormRect.__pydantic_complete__)\n"
        "big = {'version': 1, 'template': 'mug-11oz', 'layers': [{'type': 'background', 'color': '#fff'}] * 40}\n"
        "parse_design(big)\n"
        "print(seen.count(False), seen[-1], Design.__pydantic_complete__)\n"
    )
    assert out == "8 True True"
