"""Start-up decisions: build when missing or stale, never downgrade a bundle built from
explicit inputs only because nothing is configured at start."""
from __future__ import annotations

import io
import json
import shutil

import pytest

from dashboard.runtime import load_or_build

from tests.conftest import FIXTURES, SHARED


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for k in ("TI_SOURCE_DIR", "TI_LAUREATS_FILE", "TI_BUNDLE_DIR"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.chdir(tmp_path)  # no data/raw here
    return tmp_path


def test_bundle_built_by_cli_is_kept_when_nothing_configured(clean_env, demo_bundle_dir):
    bundle = clean_env / "processed"
    shutil.copytree(demo_bundle_dir, bundle)
    before = (bundle / "manifest.json").read_bytes()
    out = io.StringIO()
    b = load_or_build(bundle, out=out)
    assert (bundle / "manifest.json").read_bytes() == before   # not rebuilt, not downgraded
    assert b.has("ti") and len(b.territoires) == 332
    assert "Construction" not in out.getvalue()


def test_recorded_inputs_gone_keeps_bundle(clean_env, demo_bundle_dir):
    bundle = clean_env / "processed"
    shutil.copytree(demo_bundle_dir, bundle)
    m = json.loads((bundle / "manifest.json").read_text())
    m["dossier_sources"] = str(clean_env / "disparu")
    (bundle / "manifest.json").write_text(json.dumps(m))
    out = io.StringIO()
    b = load_or_build(bundle, out=out)
    assert "servi tel quel" in out.getvalue() and b.has("ti")


def test_changed_laureates_file_triggers_rebuild(clean_env):
    bundle = clean_env / "processed"
    lau = clean_env / "laureats.csv"
    shutil.copy(FIXTURES / "laureats_officiel.csv", lau)
    b = load_or_build(bundle, source_dir=SHARED, laureates=lau, out=io.StringIO())
    assert len(b.laureats) == 7 and not b.demonstration
    lines = lau.read_text(encoding="utf-8").splitlines()
    lau.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")   # one laureate fewer
    b = load_or_build(bundle, out=io.StringIO())   # nothing configured: recorded inputs are checked
    assert len(b.laureats) == 6
