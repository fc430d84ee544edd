"""Committee deck (/export.pptx) and its server-side maps, on the demonstration bundle."""
from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image
from pptx import Presentation

from dashboard import create_app
from dashboard.views import ids
from dashboard.model.colour_scale import ZERO_COLOR
from dashboard.model.data import filter_laureates, kpis
from dashboard.exports.tables import _one_line as one_line
from dashboard.exports.deck import KPI_TITLE, LIST_PAGES, LIST_ROWS, LIST_TITLE, SOURCES_TITLE, TITLE_DECK
from dashboard.views.map_figure import TRACE_CHORO, map_figure
from dashboard.views.layout import page
from dashboard.web.routes import PPTX_FILENAME, PPTX_MIMETYPE
from dashboard.model.state import ViewState
from dashboard.exports.static_map import OVERSEAS, class_colors_rgb

from tests.conftest import ARTIFACTS


@pytest.fixture(scope="module")
def app(demo_bundle):
    return create_app(demo_bundle)


@pytest.fixture(scope="module")
def ctx(app):
    return app._ti_context


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


def get_deck(client, query: str, name: str):
    r = client.get(f"/export.pptx{query}")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == PPTX_MIMETYPE
    assert r.headers["Content-Disposition"] == f'attachment; filename="{PPTX_FILENAME}"'
    (ARTIFACTS / f"dossier_{name}.pptx").write_bytes(r.data)
    return Presentation(io.BytesIO(r.data))


def find(component, wanted: str):
    """The Dash component with id ``wanted`` in a layout tree."""
    if getattr(component, "id", None) == wanted:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, (str, int, float)):
            hit = find(child, wanted)
            if hit is not None:
                return hit
    return None


def shape(slide, name):
    hits = [s for s in slide.shapes if s.name == name]
    assert len(hits) == 1, [s.name for s in slide.shapes]
    return hits[0]


def rgb(hex_color: str) -> tuple[int, int, int]:
    return tuple(int(hex_color[i:i + 2], 16) for i in (1, 3, 5))


def color_counts(img: np.ndarray) -> dict[tuple, int]:
    flat = img[..., :3].reshape(-1, 3)
    colors, counts = np.unique(flat, axis=0, return_counts=True)
    return {tuple(int(v) for v in c): int(n) for c, n in zip(colors, counts)}


def check_map_image(ctx, state, sel, pic, name) -> np.ndarray:
    """The map picture: kept as an artifact, not blank, filled with the web map's class colours."""
    (ARTIFACTS / f"dossier_{name}_carte.png").write_bytes(pic.image.blob)
    img = np.asarray(Image.open(io.BytesIO(pic.image.blob)).convert("RGB"))
    assert img.shape[1] >= 1200 and img.shape[0] >= 600
    non_white = (img < 250).any(axis=2).mean()
    assert non_white > 0.15  # not blank
    counts = color_counts(img)
    web = map_figure(ctx, state, sel).data[TRACE_CHORO].colorscale
    web_colors = {rgb(c) for _, c in web}
    present = class_colors_rgb(ctx, state, sel)
    assert present, "aucune classe sur la carte"
    for label, color in present.items():
        assert color in web_colors, label  # the web map's colour for that class
        assert counts.get(color, 0) >= 40, (label, color, counts.get(color, 0))
    assert counts.get(rgb(ZERO_COLOR), 0) >= 40  # territories with no laureate: grey, not white
    return img


def test_deck_region_32_afr(client, ctx, app):
    query = "?region=32&zone=afr"
    state = ViewState.from_query(query, ctx.choices)[0]
    sel = filter_laureates(ctx.laureats, state)
    n = len(sel)
    assert 0 < n <= LIST_ROWS * LIST_PAGES
    prs = get_deck(client, query, "region32_afr")
    titles = [s.shapes.title.text for s in prs.slides]
    region = ctx.regions.loc["32"]
    pages = math.ceil(n / LIST_ROWS)
    assert len(titles) == 4 + pages + 1
    assert titles[:4] == [TITLE_DECK, f"Carte — région {region}", KPI_TITLE, f"Classement des EPCI — région {region}"]
    assert titles[4:-1] == [f"{LIST_TITLE} ({i}/{pages})" if pages > 1 else LIST_TITLE for i in range(1, pages + 1)]
    assert titles[-1] == SOURCES_TITLE

    # the KPI slide shows the page's numbers
    layout = page(ctx, state, [])
    kpi_slide = prs.slides[2]
    for kid in ids.KPIS:
        label, value = [p.text for p in shape(kpi_slide, kid).text_frame.paragraphs]
        assert value == find(layout, kid).children, kid
    assert shape(kpi_slide, ids.KPI_LAUREATS).text_frame.paragraphs[1].text.replace("\u202f", "") == str(
        kpis(sel, ctx.has_amounts)["laureats"])
    # every laureate of the selection is listed once
    listed = []
    for slide in list(prs.slides)[4:-1]:
        table = shape(slide, "liste-laureats").table
        listed += [table.cell(i, 0).text for i in range(1, len(table.rows))]
    assert sorted(listed) == sorted(sel["entreprise"])
    # title slide: filters in words, data date, demonstration flag
    summary = shape(prs.slides[0], "resume").text_frame.text
    assert f"région {region}" in summary and "zone AFR" in summary and "24 septembre 2021" in summary
    assert "DÉMONSTRATION" in summary
    # the map: non-blank, the web map's colours
    check_map_image(ctx, state, sel, shape(prs.slides[1], "carte"), "region32_afr")
    subtitle = shape(prs.slides[1], "sous-titre-carte").text_frame.text
    assert "Lauréats, par EPCI" in subtitle and "2019-2022" in subtitle
    sources = shape(list(prs.slides)[-1], "sources").text_frame.text
    for s in ctx.manifest["sources"]:  # every source with its licence (on one line)
        assert one_line(s["licence"]) in sources and one_line(s["titre"]) in sources, s["titre"]


def test_deck_national_has_overseas_insets_and_regional_table(client, ctx):
    state = ViewState(niveau="ti", phase="2023-2027", indicateur="investissement")
    sel = filter_laureates(ctx.laureats, state)
    prs = get_deck(client, state.to_query(), "france_ti")
    titles = [s.shapes.title.text for s in prs.slides]
    assert titles[1] == "Carte — France entière" and titles[3] == "Tableau régional"
    assert len(titles) == 4 + LIST_PAGES + 1  # the list stops at LIST_PAGES slides
    last_list = prs.slides[len(titles) - 2]
    assert any("export.xlsx" in s.text_frame.text for s in last_list.shapes if s.has_text_frame)
    table = shape(prs.slides[3], "tableau-regional").table
    assert len(table.rows) - 1 == len(ctx.regions) + 2  # regions, overseas group, France
    assert table.cell(len(table.rows) - 1, 2).text.replace("\u202f", "") == str(len(sel))
    img = check_map_image(ctx, state, sel, shape(prs.slides[1], "carte"), "france_ti")
    # the overseas insets (left column) are drawn with class colours too
    inset = img[:, : img.shape[1] * 16 // 100]
    classes = set(class_colors_rgb(ctx, state, sel).values())
    assert sum(n for c, n in color_counts(inset).items() if c in classes) > 500
    assert len(OVERSEAS) == 5


def test_deck_comparison_slide(client, ctx):
    state = ViewState(territoire="200041523", comparer="ti-2406", filiere=("Agroalimentaire",))
    prs = get_deck(client, state.to_query(), "comparaison")
    titles = [s.shapes.title.text for s in prs.slides]
    a = ctx.epci.loc["200041523", "nom"]
    b = ctx.ti_table("2019-2022").loc["ti-2406", "ti_nom"]
    assert titles[4] == f"Comparaison : {a} et {b}"
    table = shape(prs.slides[4], "comparaison").table
    labels = [table.cell(i, 0).text for i in range(1, len(table.rows))]
    assert labels[0].startswith(a) and labels[1].startswith(b) and labels[-1] == "France"
    wide = filter_laureates(ctx.laureats, state)
    assert table.cell(len(table.rows) - 1, 1).text.replace("\u202f", "") == str(len(wide))
    # the selected territory is named in the map's legend (checked on the picture's source: the legend rows)
    from dashboard.views.map_style import legend_rows
    from dashboard.views.map_figure import choropleth_values
    _, _, scale = choropleth_values(ctx, state, wide)
    assert legend_rows(scale, a)[-1] == ("outline", "#CC0000", f"{a} (sélection)")


def test_slide_png(client, ctx):
    """/export.png: the 16:9 slide of the view, subtitle with indicator, level, phase and filters."""
    query = "?niveau=ti&phase=2023-2027&indicateur=aide&par_hab=1&territoire=ti-2406&zone=qpv"
    state = ViewState.from_query(query, ctx.choices)[0]
    sel = filter_laureates(ctx.laureats, state)
    r = client.get(f"/export.png{query}")
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/png"
    (ARTIFACTS / "diapositive_serveur_ti.png").write_bytes(r.data)
    img = Image.open(io.BytesIO(r.data))
    assert img.size == (1600, 900)
    subtitle = img.info["Description"]
    for words in ("Aide publique (€) pour 10 000 habitants", "par Territoire d'industrie", "2023-2027", "en QPV",
                  f"{len(sel)} lauréats"):
        assert words in subtitle, words
    pixels = np.asarray(img.convert("RGB"))
    counts = color_counts(pixels)
    present = class_colors_rgb(ctx, state, sel)
    assert present and all(counts.get(c, 0) >= 40 for c in present.values())
    assert counts.get(rgb("#CC0000"), 0) > 20  # the selected territory's outline


def test_deck_what_changed_since(client, ctx):
    query = "?region=32&depuis=2021-06-15"
    state = ViewState.from_query(query, ctx.choices)[0]
    sel = filter_laureates(ctx.laureats, state)
    new = sel[sel["date"].astype(str) >= "2021-06-15"]
    assert 0 < len(new) < len(sel)
    prs = get_deck(client, query, "region32_depuis")
    slides = list(prs.slides)
    assert slides[3].shapes.title.text == "Ce qui a changé depuis le 15 juin 2021"
    box = shape(slides[3], f"{ids.KPI_LAUREATS}-depuis").text_frame.paragraphs[1].text
    assert box.replace("\u202f", "") == f"+{len(new)}"
    table = shape(slides[3], "depuis-liste").table
    assert len(table.rows) - 1 == min(10, len(new))
    assert {table.cell(i, 0).text for i in range(1, len(table.rows))} <= set(new["entreprise"])
    # the map rings the new laureates
    img = np.asarray(Image.open(io.BytesIO(shape(slides[1], "carte").image.blob)).convert("RGB"))
    (ARTIFACTS / "dossier_region32_depuis_carte.png").write_bytes(shape(slides[1], "carte").image.blob)
    from dashboard.model.since import COLOR_SINCE
    assert color_counts(img).get(rgb(COLOR_SINCE), 0) > 10 * len(new)


@pytest.mark.parametrize("query", ["?region=%3Cscript%3E&inconnu=1", "?depuis=2021-02-30&par_hab=%0d%0aX:1",
                                   "?territoire=../../etc/passwd&comparer=%00"])
def test_deck_and_image_hostile_params(client, query):
    """Bad parameters are ignored (and said), never an error: the default view's deck and image."""
    from urllib.parse import unquote
    for path in ("/export.pptx", "/export.png"):
        r = client.get(path + query)
        assert r.status_code == 200, path
        ignored = r.headers["X-Parametres-Ignores"]
        ignored.encode("ascii")
        assert "\r" not in ignored and "\n" not in ignored and unquote(ignored)
    prs = Presentation(io.BytesIO(client.get("/export.pptx" + query).data))
    assert prs.slides[1].shapes.title.text == "Carte — France entière"
