"""How the suite runs: the README's test command is the one CI runs, and the shared
bundles are built once for all the parallel workers (tests/conftest.py)."""
from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests import conftest

ROOT = Path(__file__).resolve().parents[1]


def test_readme_test_command_is_the_one_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"## Tests\n\n```bash\n(?:[^`]*\n)?(pytest[^\n]*)\n```", readme)
    assert m, "README : commande de test absente de la section « Tests »"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert m.group(1) in ci, f"« {m.group(1)} » n'est pas la commande de .ci/run"
    requirements = (ROOT / "requirements-test.txt").read_text(encoding="utf-8")
    if " -n " in m.group(1):
        assert re.search(r"^pytest-xdist==\S+", requirements, re.M), \
            "pytest-xdist à épingler dans requirements-test.txt"


class FakeFactory:
    def __init__(self, base: Path):
        self.base = base

    def getbasetemp(self) -> Path:
        return self.base

    def mktemp(self, name: str) -> Path:
        p = self.base / name
        p.mkdir(parents=True)
        return p


def test_workers_build_a_shared_bundle_once(tmp_path, monkeypatch):
    """Two workers asking for the same bundle at once: one build, both get the same folder."""
    calls = []

    def fake_build(source, laureates, out, quiet):
        calls.append(out)
        time.sleep(0.3)  # the other worker arrives meanwhile
        Path(out).mkdir(parents=True)
        (Path(out) / "manifest.json").write_text("{}")

    monkeypatch.setattr("geodata.build.pipeline.build", fake_build)
    worker = SimpleNamespace(workerinput={"workerid": "gw0"})
    results = []

    def ask(name):
        results.append(conftest.made_once(worker, FakeFactory(tmp_path / name), "lot", conftest.build_with(None)))

    threads = [threading.Thread(target=ask, args=(f"gw{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert results[0] == results[1] == tmp_path / "lot" / "processed"
    assert (results[0] / "manifest.json").is_file()


def test_a_failed_shared_build_is_tried_again(tmp_path, monkeypatch):
    """A worker whose build failed leaves no « built » mark: the next one builds."""
    outcomes = iter([RuntimeError("échec"), None])

    def flaky_build(source, laureates, out, quiet):
        err = next(outcomes)
        if err:
            raise err
        Path(out).mkdir(parents=True)

    monkeypatch.setattr("geodata.build.pipeline.build", flaky_build)
    worker = SimpleNamespace(workerinput={"workerid": "gw0"})
    with pytest.raises(RuntimeError):
        conftest.made_once(worker, FakeFactory(tmp_path / "gw0"), "lot", conftest.build_with(None))
    assert conftest.made_once(worker, FakeFactory(tmp_path / "gw1"), "lot", conftest.build_with(None)).is_dir()


def test_single_process_builds_in_its_own_folder(tmp_path, monkeypatch):
    built = []
    monkeypatch.setattr("geodata.build.pipeline.build", lambda s, lau, out, quiet: built.append(out))
    out = conftest.made_once(SimpleNamespace(), FakeFactory(tmp_path / "seul"), "lot", conftest.build_with(None))
    assert built == [out] and out == tmp_path / "seul" / "lot" / "processed"


def test_long_modules_are_handed_out_first():
    from tests.conftest import run_order
    ids = ["tests/model/test_since.py::t", "tests/browser/test_offline_start.py::t", "tests/test_layering.py::t",
           "tests/web/test_runtime.py::t", "tests/deploy/test_deploy.py::t", "tests/geodata/test_build.py::t"]
    assert sorted(ids, key=run_order) == [
        "tests/browser/test_offline_start.py::t", "tests/deploy/test_deploy.py::t", "tests/web/test_runtime.py::t",
        "tests/geodata/test_build.py::t", "tests/model/test_since.py::t", "tests/test_layering.py::t"]


def test_empty_folders_of_a_failed_fetch_are_not_a_mirror(tmp_path):
    """The mirror is a folder with files under territoires-industrie/: the empty folders a failed
    download left in data/raw/ are skipped for the next candidate (else 13 tests failed on a fresh
    clone after « python app.py » offline)."""
    failed, real = tmp_path / "raw", tmp_path / "miroir"
    (failed / "territoires-industrie").mkdir(parents=True)
    (failed / "zones" / "afr").mkdir(parents=True)
    assert conftest.find_mirror([None, failed]) is None
    (real / "territoires-industrie" / "tous").mkdir(parents=True)
    (real / "territoires-industrie" / "tous" / "liste.csv").write_text("x\n", encoding="utf-8")
    assert conftest.find_mirror([None, failed, real]) == real.resolve()
