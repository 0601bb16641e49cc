"""The floor plan: one package per stage of the cycle, imports only downwards, no cycle.

The import graph is read from the source with ``ast``: every import counts, those inside
functions and under ``if TYPE_CHECKING:`` too (an annotation naming an upper stage is an
upward dependency).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cmacop"

# The stages in the order of the cycle; a module may import its own stage and those before.
STAGES = ("files", "cop", "campaign", "template", "validate", "consolidate", "compute")
STAGES += ("render", "run", "cli")
# Imported by anyone: the error boundary, French formats, shipped data, the package itself.
SHARED = {"cmacop", "cmacop.errors", "cmacop.french", "cmacop.resources"}
MAX_TOP_MODULES = 10
MAX_LINES = 500


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(module: str, name: str | None) -> str:
    """``from module import name``: the module imported (a submodule when ``name`` is one)."""
    if name is not None and f"{module}.{name}" in MODULES:
        return f"{module}.{name}"
    return module


@cache
def imports_of(module: str) -> frozenset[str]:
    """Every module (of cmacop, or outside it) that ``module`` imports, wherever in its code."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.update(_resolve(base, alias.name) for alias in node.names)
    return frozenset(found)


def internal_imports(module: str) -> set[str]:
    return {m for m in imports_of(module) if m == "cmacop" or m.startswith("cmacop.")}


def stage_of(module: str) -> str | None:
    """``cmacop.validate.checks.values`` → ``validate``; None for the shared modules."""
    if module in SHARED:
        return None
    head = module.split(".")[1]
    if head == "__main__":
        return "cli"
    if head not in STAGES:
        raise AssertionError(f"{module} : module hors des étapes du cycle ({', '.join(STAGES)})")
    return head


def test_every_module_belongs_to_a_stage_or_is_shared():
    for module in MODULES:
        if module not in SHARED:
            stage_of(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_only_go_down_the_cycle(module):
    stage = stage_of(module)
    if stage is None:  # shared modules import nothing of the stages
        assert all(stage_of(m) is None for m in internal_imports(module)), module
        return
    rank = STAGES.index(stage)
    upward = sorted(
        m
        for m in internal_imports(module)
        if (s := stage_of(m)) is not None and STAGES.index(s) > rank
    )
    assert upward == [], f"{module} ({stage}) importe des étapes suivantes : {upward}"


def test_no_import_cycle():
    graph = {m: {i for i in internal_imports(m) if i in MODULES} for m in MODULES}
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt]
                raise AssertionError("cycle d'imports : " + " → ".join(cycle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_terminal_output_lives_in_the_cli_only(module):
    if stage_of(module) == "cli":
        return
    outside = {m for m in imports_of(module) if m == "rich" or m.startswith("rich.")}
    assert not outside, f"{module} importe {sorted(outside)} : l'affichage est l'affaire de cli/"
    assert not any(m == "cmacop.cli" or m.startswith("cmacop.cli.") for m in imports_of(module))


def test_few_modules_at_the_top_and_none_too_long():
    top = [p.name for p in PACKAGE.glob("*.py")]
    assert len(top) <= MAX_TOP_MODULES, sorted(top)
    long = {
        _name(p): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, f"modules de plus de {MAX_LINES} lignes : {long}"


def test_the_graph_reader_sees_lazy_and_type_checking_imports():
    """The rules above would be vacuous if imports inside functions were missed."""
    lazy = internal_imports("cmacop.cli.controle")  # its commands import inside functions
    assert "cmacop.validate.engine" in lazy or "cmacop.validate" in lazy


def test_the_package_exports_every_twin():
    import cmacop

    twins = {
        "write_templates", "validate_paths", "consolidate_paths", "consolidate_years",
        "compute_year", "build_report", "render_report", "run_campaign", "campaign_status",
        "load_catalogue", "load_registry",
    }  # fmt: skip
    assert twins <= set(cmacop.__all__)
    for name in cmacop.__all__:
        assert getattr(cmacop, name) is not None, name
