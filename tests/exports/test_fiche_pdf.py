"""Printable fiche (/fiche.pdf): opened with pypdf, on the demonstration and the official bundles."""
from __future__ import annotations

import io

import numpy as np
import pypdf
import pytest

from dashboard.model.data import DataContext, filter_laureates
from dashboard.model.state import ViewState
from dashboard.views import ids
from dashboard.views.fiche import fiche_panel
from dashboard.model.export_formats import EXPORT_BY_KIND
from geodata.schema import PHASES, ti_nom_column

from tests.conftest import ARTIFACTS

PDF_FILENAME = EXPORT_BY_KIND["fiche.pdf"].filename


def words(text: str) -> str:
    """Text with its line breaks and spacing made single spaces (a wrapped name reads whole)."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def epci_in_two_tis(ctx) -> str:
    """The EPCI with the most laureates whose communes belong to a TI in each phase."""
    counts = ctx.laureats["epci_siren"].value_counts()
    for siren in counts.index:
        communes = ctx.communes[ctx.communes["epci_siren"] == siren]
        if all(communes[ti_nom_column(ph)].notna().any() for ph in PHASES):
            return siren
    raise AssertionError("aucun EPCI dans un TI pour chaque phase")


def get_pdf(client, query: str, name: str, base_url: str = "http://localhost") -> pypdf.PdfReader:
    r = client.get(f"/fiche.pdf{query}", base_url=base_url)
    assert r.status_code == 200, r.data[:300]
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Disposition"] == f'attachment; filename="{PDF_FILENAME}"'
    (ARTIFACTS / f"fiche_{name}.pdf").write_bytes(r.data)
    return pypdf.PdfReader(io.BytesIO(r.data))


def test_fiche_pdf_of_an_epci(client, ctx):
    siren = epci_in_two_tis(ctx)
    name = ctx.epci.loc[siren, "nom"]
    query = f"?region=24&territoire={siren}"
    pdf = get_pdf(client, query, "epci", base_url="https://carte.example.fr")
    assert len(pdf.pages) == 2
    for page in pdf.pages:  # A4 portrait
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    assert name in pdf.metadata.title
    first, second = (words(p.extract_text()) for p in pdf.pages)
    assert name in first and "RÉPUBLIQUE" in first and "FRANÇAISE" in first
    communes = ctx.communes[ctx.communes["epci_siren"] == siren]
    for ph in PHASES:  # its TI per phase, by name
        tis = sorted(communes[ti_nom_column(ph)].dropna().unique())
        assert tis and f"{ph} : {words(', '.join(tis))}" in first, (ph, tis)
    region = ctx.regions.loc[communes["code_region"].iloc[0]]
    assert f"Région {region}" in first and "France" in first  # the figures compared
    assert "DÉMONSTRATION" in first and "DÉMONSTRATION" in second  # demonstration data: flagged on each page
    assert "Vue en ligne : https://carte.example.fr/" in first
    # page 2: sectors, the laureates, the sources
    lau = filter_laureates(ctx.laureats, ViewState(territoire=siren))
    lau = lau[lau["epci_siren"] == siren]
    largest = lau.sort_values(["investissement_eur", "entreprise"], ascending=[False, True]).iloc[0]
    assert "Lauréats par filière" in second
    assert largest["entreprise"][:26] in second  # first of the list (long names are cut to their column)
    assert "Sources et licences" in second and "Licence Ouverte" in second
    # the map: a picture on page 1, not blank, with the territory's red outline
    images = pdf.pages[0].images
    assert len(images) == 1
    img = np.asarray(images[0].image.convert("RGB")).astype(int)
    assert img.shape[1] >= 1000
    assert (img < 245).any(axis=2).mean() > 0.3  # not blank
    red = (img[..., 0] > 170) & (img[..., 1] < 70) & (img[..., 2] < 70)
    assert red.sum() > 200  # the selected territory's outline (COLOR_SELECTED)


def test_fiche_pdf_of_a_ti_and_its_button(client, ctx):
    """A TI's fiche (the page's « Fiche PDF » link leads to it); its map is framed on the TI."""
    ti = ctx.ti_table("2023-2027")
    code = ti.index[ti["code_region"] == "24"][0]
    state = ViewState(niveau="ti", phase="2023-2027", territoire=code)
    panel = fiche_panel(ctx, state, filter_laureates(ctx.laureats, state))
    link = _find(panel, ids.FICHE_PDF)
    assert link is not None and link.children == "Fiche PDF"
    query = state.to_query(include_embed=False)
    assert link.href == ctx.urls.page("fiche.pdf", query) == f"/fiche.pdf{query}"
    pdf = get_pdf(client, query, "ti")
    first = words(pdf.pages[0].extract_text())
    assert ti.loc[code, "ti_nom"] in first and "Territoire d'industrie 2023-2027" in first


def _find(component, wanted):
    if getattr(component, "id", None) == wanted:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, (str, int, float)):
            hit = _find(child, wanted)
            if hit is not None:
                return hit
    return None


@pytest.mark.parametrize("query", ["", "?territoire=inconnu", "?region=24"])
def test_fiche_pdf_without_territory_says_so(client, query):
    r = client.get(f"/fiche.pdf{query}")
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "territoire" in r.get_data(as_text=True)


def test_fiche_pdf_official_file_without_amounts(official_bundle):
    """Official data: no demonstration flag, no amount column, laureates by date."""
    from dashboard.exports.fiche_pdf import fiche_pdf_bytes
    octx = DataContext(official_bundle)
    siren = octx.laureats["epci_siren"].dropna().iloc[0]
    body = fiche_pdf_bytes(octx, ViewState(territoire=siren), site_url="http://localhost/")
    (ARTIFACTS / "fiche_officiel.pdf").write_bytes(body)
    pdf = pypdf.PdfReader(io.BytesIO(body))
    text = words(" ".join(p.extract_text() for p in pdf.pages))
    assert octx.epci.loc[siren, "nom"] in text
    assert "DÉMONSTRATION" not in text and "Investissement" not in text
    assert "Lauréats — les plus récents" in text
