"""Layers point one way: geodata -> selection -> figures/panels -> layout/callbacks -> web.

Read from the source with ``ast`` (every import, also those inside functions), and
checked by importing modules in a fresh interpreter."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dashboard"

#: Layer of each module of ``dashboard`` (a module may import its own layer or lower ones).
LAYERS = {
    "fmt": 1, "catalog": 1, "ids": 1, "state": 1, "classes": 1,
    "data": 2, "search": 2, "export": 2, "describe": 2, "since": 2, "spreadsheet": 2,
    "figures": 3, "fiche": 3, "regional": 3, "timeline": 3, "barometre": 3, "panels": 3, "map_style": 3,
    "since_barometre": 3, "compare": 3, "static_map": 3, "layers": 3, "shell": 3,
    "layout": 4, "callbacks": 4, "deck": 4, "embed": 4, "pages": 4,
    "routes": 5, "security": 5, "headers": 5, "cache": 5, "callback_guard": 5, "compression": 5,
    "web_errors": 5, "dash_patches": 5, "health": 5, "factory": 5, "runtime": 5,
    "__init__": 5,
}
UI_MODULES = {m for m, layer in LAYERS.items() if layer >= 3}


def dashboard_modules() -> list[str]:
    return sorted(p.stem for p in PACKAGE.glob("*.py"))


def internal_imports(module: str) -> set[str]:
    """Modules of ``dashboard`` imported by ``dashboard/<module>.py`` (anywhere in the file)."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                out.add(node.module.split(".")[0])
            elif node.level == 1:
                out.update(a.name for a in node.names)
            elif node.module and node.module.startswith("dashboard"):
                parts = node.module.split(".")
                out.update([parts[1]] if len(parts) > 1 else [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            out.update(a.name.split(".")[1] for a in node.names if a.name.startswith("dashboard."))
    return out - {module}


def test_every_module_has_a_layer():
    assert set(dashboard_modules()) - set(LAYERS) == set(), "ajoutez le module à LAYERS"


@pytest.mark.parametrize("module", dashboard_modules())
def test_imports_point_down(module):
    up = {m for m in internal_imports(module) if LAYERS.get(m, 99) > LAYERS[module]}
    assert up == set(), f"dashboard/{module}.py importe des couches supérieures : {sorted(up)}"


def test_geodata_imports_no_dashboard():
    for path in (ROOT / "geodata").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom) else
                     [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            assert not any(n.startswith(("dashboard", "dash", "flask")) for n in names), (path.name, names)


def test_no_import_cycle():
    graph = {m: internal_imports(m) & set(LAYERS) for m in dashboard_modules()}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(m, path):
        state[m] = 1
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 1:
                pytest.fail("cycle d'imports : " + " -> ".join([*path[path.index(n):], n]))
            if n not in state:
                visit(n, [*path, n])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [m])


def test_cycle_detection_fails_on_a_cycle(monkeypatch):
    """The cycle test can fail: a fake graph with a cycle is reported."""
    monkeypatch.setattr(sys.modules[__name__], "internal_imports",
                        lambda m: {"data": {"panels"}, "panels": {"data"}}.get(m, set()))
    with pytest.raises(pytest.fail.Exception, match="cycle"):
        test_no_import_cycle()


def test_data_layer_imports_no_ui():
    """``import dashboard.data`` loads neither a panel, the layout nor Dash itself."""
    code = ("import sys, dashboard.data; "
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('dashboard') or m in ('dash', 'plotly'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    loaded = set(out.split())
    assert "dash" not in loaded and "plotly" not in loaded, loaded
    assert {m.removeprefix("dashboard.") for m in loaded} & UI_MODULES == set(), loaded
