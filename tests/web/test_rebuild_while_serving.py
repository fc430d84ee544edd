"""Nothing lost: a rebuild from a broken source fails with a clear message while the
running app keeps serving the last good bundle; a restart on the broken source too."""
from __future__ import annotations

import shutil
import subprocess
import sys

import requests

from geodata.build.snapshot import load_snapshot

from tests.support.browser import ROOT, assert_no_server_error, serve
from tests.conftest import ARTIFACTS, SHARED


def _csv_rows(base, query):
    body = requests.get(base + "/export.csv" + query, timeout=30).content.decode("utf-8-sig")
    return len([line for line in body.splitlines() if line and not line.startswith("#")]) - 1


def test_broken_rebuild_keeps_serving_last_good_bundle(tmp_path, demo_bundle_dir):
    bundle = tmp_path / "processed"
    shutil.copytree(demo_bundle_dir, bundle)
    # a source folder with one broken file (the other facts come from the snapshot): the 2023-2027 TI list,
    # written from the snapshot's members in the published EPCI-level layout, cut after 199 rows
    broken = tmp_path / "sources"
    ti = broken / "territoires-industrie" / "ti_2023_2027_membres.csv"
    ti.parent.mkdir(parents=True)
    members = load_snapshot().values["ti_2023_2027"].head(199)
    members = members.rename(columns={"ti_id": "id_ti", "ti_nom": "lib_ti", "member_siren": "siren_groupement",
                                      "member_label": "lib_groupement"})
    members[["id_ti", "lib_ti", "siren_groupement", "lib_groupement"]].to_csv(ti, index=False)
    with open(ti, "a", encoding="utf-8") as fh:
        fh.write("ti-0000,Tronqué\n")  # truncated line
    before = {p.name: p.read_bytes() for p in bundle.iterdir()}
    log = ARTIFACTS / "rebuild_while_serving.log"
    with serve({"TI_BUNDLE_DIR": str(bundle), "TI_SOURCE_DIR": str(SHARED or ""), "TI_LOG": str(log)}) as base:
        health = requests.get(base + "/healthz", timeout=10).json()
        rows = _csv_rows(base, "?region=27")
        # rebuild into the served folder from the broken source
        r = subprocess.run([sys.executable, "-m", "geodata", "build", "--source-dir", str(broken), "--out",
                            str(bundle), "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert r.returncode == 2
        assert "ti_2023_2027_membres.csv" in r.stderr and "ligne 201" in r.stderr and "siren_groupement" in r.stderr
        assert {p.name: p.read_bytes() for p in bundle.iterdir()} == before
        assert requests.get(base + "/healthz", timeout=10).json() == health
        assert _csv_rows(base, "?region=27") == rows
        assert requests.get(base + "/?region=27", timeout=10).status_code == 200
    assert_no_server_error(log)
    # restart with the broken source folder: the rebuild fails, the last good bundle is served
    log2 = ARTIFACTS / "restart_broken_source.log"
    with serve({"TI_BUNDLE_DIR": str(bundle), "TI_SOURCE_DIR": str(broken), "TI_LOG": str(log2)}) as base:
        # issue 18, defect 14: the operator sees it on /healthz (and in the footer), the data are the last good
        got = requests.get(base + "/healthz", timeout=10).json()
        assert got.pop("statut") == "degrade" and "ti_2023_2027_membres.csv" in got.pop("raison"), got
        assert got == {k: v for k, v in health.items() if k != "statut"}
        assert "note-echec-reconstruction" in requests.get(base + "/_dash-layout", timeout=30).text
        assert _csv_rows(base, "?region=27") == rows
    text = log2.read_text(encoding="utf-8")
    assert "ÉCHEC de la reconstruction" in text and "dernier lot valide" in text
    assert {p.name: p.read_bytes() for p in bundle.iterdir()} == before
