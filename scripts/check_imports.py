"""Import rules the architecture depends on, checked over the source with ``ast`` (run by scripts/check.sh
and tests/project/test_import_rules.py):

1. **No import cycles** between modules of ``render_engine/``, ``api/`` and ``benchmarks/``. Every import counts —
   module level, inside functions and under ``if TYPE_CHECKING:`` — because a cycle that only type checking
   or a lazy import hides is still two modules that cannot be understood (or moved) one without the other.
   ``from pkg import name`` is an edge to ``pkg/__init__.py`` (unless ``pkg`` contains the importer, which
   Python has loaded first), and to ``pkg/name.py`` when that is a module.
2. **No private names across modules**: ``from x import _name`` where ``x`` is another module of the
   project (a leading underscore means "this module's own business").
3. **Layers**: ``render_engine`` never imports ``api``, ``benchmarks`` or ``tests`` (except its command line,
   ``render_engine.cli``, the top layer: ``render-engine serve`` starts the API); ``api`` never imports
   ``benchmarks`` or ``tests``; ``tests`` never import ``benchmarks`` (except the benchmark tests themselves,
   named in ``TESTS_OF_BENCHMARKS``).

4. **Layers inside the engine**, lowest first (``RANKS``): ``model``, ``files`` < ``inputs`` < ``layout``, ``engine`` <
   ``backends`` < ``pipeline`` < ``checks``, ``mockup``, ``fabric`` < ``production`` < ``farm`` < ``public`` < ``cli`` <
   ``testing``: a module never imports a package ranked above its own, and every module of the engine is in
   one of them (a new top-level module or package gets a rank here, and a line in docs/architecture.md).

5. **Size**: a module over ``MAX_LINES`` lines says why at the top (its docstring has a paragraph starting
   "Why one module over 500 lines"), or is split.

Exit status 0 when every rule holds, 1 with one line per violation (``path:line: ...``). ``--graph`` prints
the module graph instead (``module -> imported module``), for docs/architecture.md.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("render_engine", "api", "benchmarks")  # rule 1 covers benchmarks too
FORBIDDEN = {  # importer top package -> top packages it must not import
    "render_engine": {"api", "benchmarks", "tests"},
    "api": {"benchmarks", "tests"},
    "tests": {"benchmarks"},
}
TESTS_OF_BENCHMARKS = {"tests.project.test_benchmarks_smoke"}
MAX_LINES = 500
SIZE_REASON = "Why one module over 500 lines"
TOP_LAYER = "render_engine.cli"  # may import the API (``serve``)
RANKS = {  # render_engine.<first part> -> rank; a module may import its own rank and below (docs/architecture.md)
    "model": 0,
    "files": 0,  # atomic temp-file-and-rename writing, fsync, mtime-LRU pruning (used by backends, farm, api)
    "inputs": 1,
    "layout": 2,
    "engine": 2,
    "backends": 3,
    "pipeline": 4,
    "steps": 4,  # the print steps as functions (parse, resolve, layout, draw, write) the pipeline iterates
    "parts": 4,  # multi-surface products: surfaces prepared by the pipeline, parts written (issue #18)
    "checks": 5,
    "mockup": 5,
    "fabric": 5,
    "personalization": 5,  # design templates filled into native designs (a step in front of the pipeline)
    "production": 6,  # what an order and a preview produce: render + preflight + proof + mockup, composed once
    "farm": 7,
    "public": 8,
    "public_personalize": 8,  # the public API of design templates (beside public.py)
    "cli": 9,
    "testing": 10,  # fixtures for tests and benchmarks: nothing in the engine imports them
}


def rank(mod: str) -> int | None:
    parts = mod.split(".")
    if parts[0] != "render_engine" or len(parts) < 2:
        return None
    return RANKS.get(parts[1])


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(tops: tuple[str, ...], root: Path = ROOT) -> dict[str, Path]:
    return {module_name(p, root): p for top in tops for p in sorted((root / top).rglob("*.py"))}


def imports(path: Path, mod: str, known: dict[str, Path]) -> Iterator[tuple[int, str, list[str]]]:
    """(line, imported module, imported names) for every import statement in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_pkg = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = mod.split(".") if is_pkg else mod.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            names = [a.name for a in node.names]
            yield node.lineno, target, names


def edges(known: dict[str, Path]) -> Iterator[tuple[str, int, str, list[str]]]:
    for mod, path in known.items():
        for line, target, names in imports(path, mod, known):
            yield mod, line, target, names


def _top(mod: str) -> str:
    return mod.split(".")[0]


def check(graph_only: bool = False, root: Path = ROOT) -> list[str]:
    known = source_files(PACKAGES, root)
    everything = {**known, **source_files(("tests",), root)}
    problems: list[str] = []
    graph: dict[str, set[str]] = {m: set() for m in known}
    for path in known.values():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_LINES and SIZE_REASON not in (ast.get_docstring(ast.parse(text)) or ""):
            where = path.relative_to(root)
            problems.append(f"{where}: over {MAX_LINES} lines without a reason at its top ({SIZE_REASON} ...)")
    for m in known:
        if m.startswith("render_engine.") and rank(m) is None:
            problems.append(f"{known[m].relative_to(root)}: {m} is in no layer (scripts/check_imports.py RANKS)")
    for mod, line, target, names in edges(everything):
        where = f"{everything[mod].relative_to(root)}:{line}"
        top = "tests" if mod.startswith("tests") else _top(mod)
        allowed = mod not in TESTS_OF_BENCHMARKS and not (
            (mod == TOP_LAYER or mod.startswith(TOP_LAYER + ".")) and _top(target) == "api"
        )
        if _top(target) in FORBIDDEN.get(top, set()) and allowed:
            problems.append(f"{where}: {top} must not import {_top(target)} ({target})")
        if target not in everything:
            continue
        for name in names:
            sub = f"{target}.{name}"
            if name.startswith("_") and not name.startswith("__") and sub not in everything and target != mod:
                problems.append(f"{where}: imports private name {name} from {target}")
        if mod not in known:
            continue
        targets = [target, *(f"{target}.{n}" for n in names if f"{target}.{n}" in known)]
        for t in targets:
            r_mod, r_t = rank(mod), rank(t)
            if r_mod is not None and r_t is not None and r_t > r_mod:
                problems.append(f"{where}: {mod} (layer {r_mod}) imports {t} from a higher layer ({r_t})")
        # a module's own packages are loaded before it: importing from them is no edge (``from .. import x``)
        if target in known and target != mod and not mod.startswith(target + "."):
            graph[mod].add(target)
        for name in names:
            if f"{target}.{name}" in known:
                graph[mod].add(f"{target}.{name}")
    if graph_only:
        for m in sorted(graph):
            for t in sorted(graph[m]):
                print(f"{m} -> {t}")
        return []
    for cycle in cycles(graph):
        problems.append("import cycle: " + " -> ".join([*cycle, cycle[0]]))
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One representative cycle per strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = 0

    def strong(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(_a_cycle(graph, set(comp)))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def _a_cycle(graph: dict[str, set[str]], comp: set[str]) -> list[str]:
    """A shortest cycle through the component's first module (breadth-first), to name in the message."""
    start = min(comp)
    prev: dict[str, str] = {}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v] & comp):
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(prev[path[-1]])
                return list(reversed(path))
            if w not in prev:
                prev[w] = v
                queue.append(w)
    return sorted(comp)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--graph", action="store_true", help="print the module graph")
    args = ap.parse_args(argv)
    problems = check(graph_only=args.graph)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} import rule violation(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
