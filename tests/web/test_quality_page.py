"""Issue 16: the data-quality page, its downloads, the « Nouveautés du fichier » line, and
HTML entities decoded once in the fiche, the hover and the CSV (bundle of two GENERATED files
of the official shape, tests/support/official_file.py)."""
from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from dashboard import create_app
from dashboard.model.data import DataContext, filter_laureates
from dashboard.model.state import ViewState
from geodata.schema import TI_FUND


@pytest.fixture(scope="module")
def client(published_shape_bundle):
    return create_app(published_shape_bundle).server.test_client()


@pytest.fixture(scope="module")
def ctx(published_shape_bundle):
    return DataContext(published_shape_bundle)


def layout_text(client, page=""):
    r = client.get("/_dash-layout", headers={"Referer": f"http://localhost/{page}"})
    assert r.status_code == 200
    return json.dumps(json.loads(r.get_data(as_text=True)), ensure_ascii=False)


def read_csv(body: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(body), sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)


def test_quality_page_shows_the_report(client, published_shape_bundle):
    v = published_shape_bundle.manifest["validation"]
    assert v["quarantaine"] == 25 and v["chargees"] + v["quarantaine"] == v["lignes_fichier"]
    assert client.get("/qualite-des-donnees").status_code == 200
    text = layout_text(client, "qualite-des-donnees")
    assert "Qualité des données" in text and "séparateur virgule « , »" in text
    assert f"{v['quarantaine']} mise(s) en quarantaine" in text
    for label in ("Point hors de France", "Commune introuvable ou ambiguë", "Identifiant SIREN/SIRET invalide",
                  "Date illisible ou hors de la période", "Nombre illisible ou invraisemblable"):
        assert label in text, label
    assert "export.quarantaine.csv" in text and "Nouveautés du fichier" in text and "export.nouveautes.csv" in text
    assert f"{TI_FUND.label}" in text and "?mesure=toutes" in text


def test_report_download_is_the_bundle_report(client, published_shape_bundle):
    r = client.get("/export.quarantaine.csv")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in r.headers["Content-Disposition"]
    got = read_csv(r.data)
    assert list(got.columns) == ["fichier", "ligne", "colonne", "valeur", "motif", "raison"] and len(got) == 25
    assert (got["fichier"] == "plan-de-relance-04.csv").all()
    assert set(got["ligne"].astype(int)).isdisjoint(set(published_shape_bundle.laureats["ligne_source"]))


def test_changes_download_and_news_line(client, published_shape_bundle):
    c = published_shape_bundle.manifest["changements"]
    got = read_csv(client.get("/export.nouveautes.csv").data)
    assert got["statut"].value_counts().to_dict() == {k: v for k, v in
                                                      (("ajouté", c["ajoutes"]), ("retiré", c["retires"]),
                                                       ("modifié", c["modifies"])) if v}
    assert c["ajoutes"] == 40 and c["modifies"] >= 25  # 30 changed, a few of them since quarantined
    text = layout_text(client)
    assert (f"{c['ajoutes']} lauréat(s) ajouté(s), {c['retires']} retiré(s), {c['modifies']} modifié(s)" in text)
    assert f"?depuis={c['precedent']['donnees_arretees_au']}" in text
    assert "qualite-des-donnees#nouveautes" in text


def test_quality_page_linked_from_the_footer_and_the_sources_line(client):
    text = layout_text(client)
    page = json.loads(text)
    found = []

    def walk(node, in_source_line=False, in_footer=False):
        if isinstance(node, dict):
            props = node.get("props", {})
            cls = str(props.get("className", ""))
            in_source_line = in_source_line or "source-line" in cls
            in_footer = in_footer or "fr-footer__bottom-list" in cls
            if node.get("type") == "A" and props.get("href") == "qualite-des-donnees":
                found.append(("source" if in_source_line else "footer" if in_footer else "other"))
            for v in props.values():
                walk(v, in_source_line, in_footer)
        elif isinstance(node, list):
            for v in node:
                walk(v, in_source_line, in_footer)
    walk(page)
    assert {"source", "footer"} <= set(found)


def test_demonstration_quality_page_has_no_report(demo_bundle):
    client = create_app(demo_bundle).server.test_client()
    text = layout_text(client, "qualite-des-donnees")
    assert "DÉMONSTRATION" in text and "export.quarantaine.csv" not in text
    assert client.get("/export.quarantaine.csv").status_code == 404


def test_entities_decoded_once_in_fiche_hover_and_csv(client, ctx):
    from dashboard.views.fiche import fiche, resolve_territory
    from dashboard.views.map_figure import map_figure
    lau = filter_laureates(ctx.laureats, ViewState())
    fils = lau[lau["entreprise"].str.endswith("Frères & Fils") & lau["epci_siren"].notna()]
    assert len(fils)
    row = fils.iloc[0]
    # fiche: the table holds the decoded text (Dash escapes it once in the page)
    terr = resolve_territory(ctx, row["epci_siren"], "2019-2022")
    table = next(n for n in fiche(ctx, ViewState(), terr)._traverse() if getattr(n, "id", "") == "table-laureats")
    assert row["entreprise"] in {r["entreprise"] for r in table.data}
    # hover: escaped once for Plotly (« & » -> « &amp; »), never « &amp;amp; »
    fig = map_figure(ctx, ViewState(), lau)
    hovers = [h for t in fig.data for h in (getattr(t, "hovertext", None) or []) if isinstance(h, str)]
    name = row["entreprise"].replace("&", "&amp;")
    assert any(name in h for h in hovers) and not any("&amp;amp;" in h or "&#39;" in h for h in hovers)
    # CSV export
    got = read_csv(client.get("/export.csv").data)
    assert row["entreprise"] in set(got["entreprise"])
    assert got["description_projet"].str.contains("d'essai").any()
    assert not got["description_projet"].str.contains("&#39;|&amp;").any()
    assert len(got) == len(lau)
    assert len(read_csv(client.get("/export.csv?mesure=toutes").data)) == len(ctx.laureats)
