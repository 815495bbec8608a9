"""scripts/check_imports.py: the repository keeps its import rules, and the checker finds each kind of
violation in a small package written for the test."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_imports", ROOT / "scripts" / "check_imports.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["check_imports"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_the_repository_keeps_its_import_rules() -> None:
    assert _checker().check() == []


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_it_finds_cycles_private_names_and_upward_imports(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "render_engine/__init__.py": "from .public import x\n",  # the package top may export anything
            "render_engine/public.py": "x = 1\n",
            "render_engine/layout/__init__.py": "",
            "render_engine/layout/a.py": "from .b import thing\n",
            # a cycle only a lazy, type-checking import closes still counts
            "render_engine/layout/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import x\n"
            "def thing():\n    from .c import _hidden\n",
            "render_engine/layout/c.py": "_hidden = 1\n",
            "render_engine/model/__init__.py": "",
            "render_engine/model/units.py": "from ..layout import a\n",  # upward
            "render_engine/inputs/d.py": "import api.app\n",
            "render_engine/cli/__init__.py": "from api import app\n",  # the CLI may start the API
            "render_engine/stray.py": "",
            "api/__init__.py": "",
            "api/app.py": "from render_engine.layout import a\n",
            "tests/test_x.py": "from benchmarks import synth\n",
        },
    )
    problems = _checker().check(root=tmp_path)
    text = "\n".join(problems)
    assert "import cycle: render_engine.layout.a -> render_engine.layout.b -> render_engine.layout.a" in text
    assert "render_engine/layout/b.py:5: imports private name _hidden from render_engine.layout.c" in text
    assert "render_engine/inputs/d.py:1: render_engine must not import api" in text
    assert "tests/test_x.py:1: tests must not import benchmarks" in text
    assert "render_engine/model/units.py:1: render_engine.model.units (layer 0) imports render_engine.layout" in text
    assert "render_engine/stray.py: render_engine.stray is in no layer" in text
    assert "render_engine/cli" not in text
    assert len(problems) == 7, problems


def test_long_modules_need_a_written_reason(tmp_path: Path) -> None:
    body = "x = 1\n" * 510
    _write(
        tmp_path,
        {
            "render_engine/__init__.py": "",
            "render_engine/model/__init__.py": "",
            "render_engine/model/long.py": '"""A long module."""\n' + body,
            "render_engine/model/explained.py": '"""Long.\n\nWhy one module over 500 lines: a reason."""\n' + body,
        },
    )
    problems = _checker().check(root=tmp_path)
    assert problems == [
        "render_engine/model/long.py: over 500 lines without a reason at its top (Why one module over 500 lines ...)"
    ]


def test_no_lazy_export_shares_its_name_with_a_submodule() -> None:
    """A package that exports names on first use (PEP 562 ``__getattr__``) must not export a name that is also a
    submodule: importing the submodule sets the package attribute to the module, and from then on the name is
    the module (``render_fabric`` was a function until ``fabric/render_fabric.py`` got imported: 'module' object
    is not callable, depending on test order)."""
    import importlib
    import pkgutil

    import render_engine

    clashes = []
    packages = [render_engine.__name__] + [
        m.name for m in pkgutil.walk_packages(render_engine.__path__, "render_engine.") if m.ispkg
    ]
    for name in packages:
        pkg = importlib.import_module(name)
        if "__getattr__" not in vars(pkg):
            continue  # eager imports rebind the name after the submodule loads
        exported = set(getattr(pkg, "__all__", ())) | set(getattr(pkg, "_EXPORTS", {}))
        subs = {s.name for s in pkgutil.iter_modules(pkg.__path__)}
        clashes += [f"{name}.{n}" for n in sorted(exported & subs)]
    assert not clashes, f"lazy exports named like a submodule: {clashes}"
