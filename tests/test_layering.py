"""Layers point one way, in both packages, and the tree shows them.

``geodata``: core (errors, schema, hashing, bundle) → sources → read → build → the CLI.
``dashboard``: model → views → exports → callbacks → web (and ``runtime``, the start-up).
A module may import its own layer or lower ones; ``geodata`` imports nothing of ``dashboard``.

Read from the source with ``ast`` (every import, also those inside functions), and checked by
importing modules in a fresh interpreter."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("geodata", "dashboard")

#: Layer of each subpackage or top-level module, per package (higher imports lower).
LAYERS = {
    "geodata": {"__init__": 0, "errors": 0, "schema": 0, "hashing": 0, "bundle": 0,
                "sources": 1, "read": 2, "build": 3, "__main__": 4},
    "dashboard": {"model": 1, "views": 2, "exports": 3, "callbacks": 4, "web": 5, "runtime": 5, "__init__": 5},
}
#: Modules allowed at the top level of each package (the rest lives in a layer's folder).
TOP_LEVEL_LIMIT = 8


def modules() -> list[str]:
    """Dotted names of every module of both packages."""
    out = []
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out.append(".".join(parts[:-1]) if parts[-1] == "__init__" and len(parts) > 2 else ".".join(parts))
    return out


def path_of(module: str) -> Path:
    p = ROOT / Path(*module.split("."))
    return p / "__init__.py" if p.is_dir() else p.with_suffix(".py")


def layer_of(module: str) -> tuple[str, int] | None:
    """``(package, layer)`` of a dotted module name, from its subpackage (or top-level name)."""
    parts = module.split(".")
    pkg = parts[0]
    if pkg not in LAYERS:
        return None
    key = parts[1] if len(parts) > 1 else "__init__"
    return (pkg, LAYERS[pkg][key]) if key in LAYERS[pkg] else (pkg, None)


def internal_imports(module: str) -> set[str]:
    """Dotted modules of both packages imported anywhere in ``module``'s file (resolved to modules)."""
    tree = ast.parse(path_of(module).read_text(encoding="utf-8"))
    known = set(modules())
    out = set()

    def add(name):
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name:
            out.add(name)

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{module} : import relatif ({node.module}) ; écrire l'import absolu"
            for a in node.names:
                full = f"{node.module}.{a.name}"
                add(full if full in known else node.module)
        elif isinstance(node, ast.Import):
            for a in node.names:
                add(a.name)
    return {m for m in out if m.split(".")[0] in PACKAGES} - {module}


def test_every_module_has_a_layer():
    missing = [m for m in modules() if layer_of(m)[1] is None]
    assert missing == [], f"placez ces modules dans un sous-paquet de couche ou ajoutez-les à LAYERS : {missing}"


def test_top_levels_stay_small():
    for pkg in PACKAGES:
        top = [p.stem for p in (ROOT / pkg).glob("*.py")]
        assert len(top) <= TOP_LEVEL_LIMIT, (pkg, sorted(top))


@pytest.mark.parametrize("module", modules())
def test_imports_point_down(module):
    pkg, layer = layer_of(module)
    up = []
    for m in internal_imports(module):
        other_pkg, other_layer = layer_of(m)
        if other_pkg != pkg:
            if pkg == "geodata":  # geodata never reaches the app
                up.append(m)
            continue
        if other_layer > layer:
            up.append(m)
    assert up == [], f"{module} importe des couches supérieures : {sorted(up)}"


def test_geodata_imports_no_dashboard_nor_web():
    for module in modules():
        if not module.startswith("geodata"):
            continue
        tree = ast.parse(path_of(module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom) else
                     [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            assert not any(n.startswith(("dashboard", "dash", "flask")) for n in names), (module, names)


def test_no_import_cycle():
    graph = {m: internal_imports(m) for m in modules()}
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
    fake = {"dashboard.model.data": {"dashboard.views.panels"}, "dashboard.views.panels": {"dashboard.model.data"}}
    monkeypatch.setattr(sys.modules[__name__], "internal_imports", lambda m: fake.get(m, set()))
    with pytest.raises(pytest.fail.Exception, match="cycle"):
        test_no_import_cycle()


def test_layer_check_fails_on_a_planted_violation(monkeypatch):
    """The layer test can fail: the model importing a view, geodata importing the app, are reported."""
    for module, planted in (("dashboard.model.data", "dashboard.views.panels"),
                            ("geodata.read.readers", "geodata.build.pipeline"),
                            ("geodata.bundle", "dashboard.model.fmt")):
        monkeypatch.setattr(sys.modules[__name__], "internal_imports", lambda m, p=planted: {p})
        with pytest.raises(AssertionError, match="couches supérieures"):
            test_imports_point_down(module)


def loaded_after_import(module: str, prefixes: tuple[str, ...]) -> set[str]:
    """Modules whose name starts with one of ``prefixes`` loaded by ``import module`` in a fresh interpreter."""
    code = (f"import sys, {module}; "
            f"print(' '.join(sorted(m for m in sys.modules if m.startswith({prefixes!r}))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_data_layer_imports_no_ui():
    """``import dashboard.model.data`` loads neither a view, the layout nor Dash itself."""
    loaded = loaded_after_import("dashboard.model.data", ("dashboard", "dash", "plotly"))
    assert not {m for m in loaded if m.split(".")[0] in ("dash", "plotly")}, loaded
    assert {m for m in loaded if m.startswith("dashboard.") and not m.startswith("dashboard.model")} == set(), loaded


def test_reading_a_bundle_loads_no_build_chain():
    """``import geodata.bundle`` (what the app needs to read a bundle) loads neither the build chain,
    the download, the readers, tqdm nor Dash."""
    loaded = loaded_after_import("geodata.bundle", ("geodata", "tqdm", "dash", "plotly"))
    heavy = {m for m in loaded if m.startswith(("geodata.build", "geodata.sources", "geodata.read", "tqdm",
                                                "dash", "plotly"))}
    assert heavy == set(), sorted(loaded)
