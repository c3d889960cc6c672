"""The package layout's rules, read from the source with ``ast`` (docs/decisions/0013-package-layout.md).

* no import cycle, function-level imports included (``if TYPE_CHECKING:`` imports
  run nothing and are left out); importing ``a.b.c`` also runs ``a/b/__init__.py``,
  so that edge counts too, unless the importer already lives in ``a.b``;
* no module imports another module's private name, and a private module
  (``_name.py``) is imported only from inside its own package;
* the numerical core never imports the edges (``io``, ``store``, ``web``, ``cli``,
  ``bench``), and each edge imports only the layers below it;
* no module inside ketasim imports the public API of ``ketasim/__init__.py``
  (``__version__`` aside).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import ketasim

ROOT = Path(ketasim.__file__).parent
#: Edge packages and the edge packages each may import (the core: any of none).
EDGES = {
    "io": set(),
    "bench": {"io"},
    "store": {"io"},
    "web": {"io", "store"},
    "cli": {"io", "store", "web", "bench"},
}


@dataclass(frozen=True)
class Import:
    importer: str
    target: str  # the module the statement loads
    names: tuple[str, ...]  # names taken from it (``from target import names``), or ()
    line: int


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _imports(name: str) -> list[Import]:
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    package = name if _is_package(name) else name.rpartition(".")[0]
    found: list[Import] = []
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            found += [
                Import(name, a.name, (), node.lineno) for a in node.names if a.name.startswith("ketasim")
            ]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            if base == "ketasim" or base.startswith("ketasim."):
                found.append(Import(name, base, tuple(a.name for a in node.names), node.lineno))
    return found


IMPORTS = {name: _imports(name) for name in MODULES}


def _layer(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in EDGES else None


def _loaded(imp: Import) -> set[str]:
    """Modules the statement runs: its target (or submodules named), and their packages' ``__init__``."""
    targets = {imp.target} if imp.target in MODULES else set()
    for n in imp.names:
        if f"{imp.target}.{n}" in MODULES:
            targets.add(f"{imp.target}.{n}")
    out = set(targets)
    for t in targets:
        parts = t.split(".")
        for k in range(2, len(parts)):
            parent = ".".join(parts[:k])
            if not imp.importer.startswith(parent + "."):
                out.add(parent)
    out.discard("ketasim")
    out.discard(imp.importer)
    return out


def _graph() -> dict[str, set[str]]:
    return {
        name: set().union(*(_loaded(i) for i in imps)) if imps else set() for name, imps in IMPORTS.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
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
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_walk_sees_the_whole_package():
    assert {"ketasim.cli", "ketasim.cli._common", "ketasim.model", "ketasim.record"} <= set(MODULES)
    assert "ketasim.model" in _graph()["ketasim.simulate"]


def test_the_cycle_check_finds_a_cycle_through_a_package_init():
    graph = {"a.x": {"a.p"}, "a.p": {"a.p.y"}, "a.p.y": {"a.x"}}
    assert _cycles(graph) == [["a.p", "a.p.y", "a.x"]]


def test_no_import_cycle():
    assert _cycles(_graph()) == []


def test_no_private_name_of_another_module():
    bad = []
    for imps in IMPORTS.values():
        for imp in imps:
            for n in imp.names:
                if not n.startswith("_") or n.startswith("__"):
                    continue
                submodule = f"{imp.target}.{n}"
                if submodule in MODULES:
                    if not imp.importer.startswith(imp.target + "."):
                        bad.append(f"{imp.importer}:{imp.line} imports private module {submodule}")
                else:
                    bad.append(f"{imp.importer}:{imp.line} imports {imp.target}.{n}")
            parts = imp.target.split(".")
            for k, part in enumerate(parts):
                owner = ".".join(parts[:k])
                if (
                    part.startswith("_")
                    and not part.startswith("__")
                    and not imp.importer.startswith(owner + ".")
                ):
                    bad.append(f"{imp.importer}:{imp.line} imports private module {imp.target}")
    assert bad == []


def test_layers():
    bad = []
    for name, imps in IMPORTS.items():
        mine = _layer(name)
        allowed = EDGES.get(mine, set()) | ({mine} if mine else set())
        for imp in imps:
            for target in {imp.target, *(f"{imp.target}.{n}" for n in imp.names)} & set(MODULES):
                layer = _layer(target)
                if layer is not None and layer not in allowed:
                    bad.append(f"{name}:{imp.line} ({mine or 'core'}) imports {target} ({layer})")
    assert bad == []


def test_nothing_inside_imports_the_public_api():
    bad = [
        f"{name}:{imp.line}"
        for name, imps in IMPORTS.items()
        for imp in imps
        if imp.target == "ketasim"
        and name != "ketasim"
        and any(f"ketasim.{n}" not in MODULES and not n.startswith("__") for n in imp.names)
    ]
    assert bad == []
