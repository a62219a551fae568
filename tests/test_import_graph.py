"""The package layout is a pipeline: no module imports one that imports it back, and no
stage package depends on one that depends on it (imports inside functions count too)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "bookforge"
SHARED = {"model", "errors", "i18n", "text", "files", "cli", "__main__", "__init__"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in (SRC / PACKAGE).rglob("*.py")}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The bookforge modules `name` imports anywhere in its file."""
    is_package = path.name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            stem = base[: len(base) - node.level + 1] if node.level else []
            module = ".".join([*stem, *(node.module.split(".") if node.module else [])])
            # `from . import x` may name a module: count it when it is one
            targets = [module] + [f"{module}.{a.name}" for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            # a package's own modules always load it first: no edge back to it
            if target and target != name and not name.startswith(target + "."):
                found.add(target)
    return found


@cache
def _graph() -> dict[str, frozenset[str]]:
    modules = _modules()
    known = set(modules)
    return {name: frozenset(_imports(name, path, known)) for name, path in modules.items()}


def graph() -> dict[str, set[str]]:
    """Module -> the bookforge modules it imports (a fresh copy to edit)."""
    return {k: set(v) for k, v in _graph().items()}


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def test_the_graph_is_read_from_the_source() -> None:
    edges = graph()
    assert "bookforge.transform.glossary" in edges["bookforge.transform"]
    assert "bookforge.pipeline.manifest" in edges["bookforge.publish.collect"]
    assert "bookforge.preview.chapter_pdf" in edges["bookforge.preview.server"]  # lazy import
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_module_imports_itself_back() -> None:
    # lazy imports count too: the layout pool (pipeline.workers) runs units, not the driver
    assert _cycle(graph()) is None


def test_no_stage_package_depends_on_itself_back() -> None:
    stages: dict[str, set[str]] = {}
    for module, targets in graph().items():
        stage = _stage(module)
        stages.setdefault(stage, set()).update(
            s for s in map(_stage, targets) if s != stage)
    assert _cycle(stages) is None


@pytest.mark.parametrize("shared", sorted(SHARED - {"cli", "__main__", "__init__"}))
def test_shared_modules_import_no_stage(shared: str) -> None:
    stages = {p.name for p in (SRC / PACKAGE).iterdir() if (p / "__init__.py").is_file()}
    imported = {_stage(t) for t in graph()[f"{PACKAGE}.{shared}"]}
    assert not imported & stages, f"{shared} imports a stage: {imported & stages}"


def test_top_level_holds_only_stages_and_shared_modules() -> None:
    top = {p.stem for p in (SRC / PACKAGE).glob("*.py")}
    assert top <= SHARED, top - SHARED
