"""Committee deck (/export.pptx) and its server-side maps, on the demonstration bundle."""
from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image
from pptx import Presentation

from dashboard.views import ids
from dashboard.model.colour_scale import ZERO_COLOR
from dashboard.model.data import filter_laureates, kpis
from dashboard.exports.tables import _one_line as one_line
from dashboard.exports.deck import (KPI_TITLE, LIST_PAGES, LIST_ROWS, LIST_TITLE, SOURCES_TITLE, TITLE_DECK,
                                    list_title)
from dashboard.views.map_figure import TRACE_CHORO, map_figure
from dashboard.views.layout import page
from dashboard.model.export_formats import EXPORT_BY_KIND
from dashboard.model.state import ViewState
from dashboard.exports.static_map import OVERSEAS, class_colors_rgb

from tests.conftest import ARTIFACTS

PPTX_FILENAME, PPTX_MIMETYPE = EXPORT_BY_KIND["pptx"].filename, EXPORT_BY_KIND["pptx"].mimetype


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
    assert n > 0
    prs = get_deck(client, query, "region32_afr")
    titles = [s.shapes.title.text for s in prs.slides]
    region = ctx.regions.loc["32"]
    shown = min(n, LIST_ROWS * LIST_PAGES)
    pages = math.ceil(shown / LIST_ROWS)
    assert len(titles) == 4 + pages + 1
    assert titles[:4] == [TITLE_DECK, f"Carte — région {region}", KPI_TITLE, f"Classement des EPCI — région {region}"]
    assert titles[4:-1] == [list_title(ctx, i, pages) for i in range(1, pages + 1)]
    assert all(t.startswith(f"{LIST_TITLE} — les plus gros investissements") for t in titles[4:-1])
    assert titles[-1] == SOURCES_TITLE

    # the KPI slide shows the page's numbers
    layout = page(ctx, state, [])
    kpi_slide = prs.slides[2]
    for kid in ids.KPIS:
        label, value = [p.text for p in shape(kpi_slide, kid).text_frame.paragraphs]
        assert value == find(layout, kid).children, kid
    assert shape(kpi_slide, ids.KPI_LAUREATS).text_frame.paragraphs[1].text.replace("\u202f", "") == str(
        kpis(sel, ctx.choices)["laureats"])
    # the largest investments are listed, once each, largest first
    listed = []
    for slide in list(prs.slides)[4:-1]:
        table = shape(slide, "liste-laureats").table
        listed += [table.cell(i, 0).text for i in range(1, len(table.rows))]
    largest = sel.sort_values(["investissement_eur", "entreprise"], ascending=[False, True], kind="stable")
    assert listed == list(largest["entreprise"].head(shown))
    # title slide: filters in words, data date, demonstration flag
    summary = shape(prs.slides[0], "resume").text_frame.text
    assert f"région {region}" in summary and "zone AFR" in summary and "24 septembre 2021" in summary
    assert "DÉMONSTRATION" in shape(prs.slides[0], "demonstration").text_frame.text
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
    assert "export tableur" in shape(last_list, "suite-liste").text_frame.text
    assert f"http://localhost/export.xlsx{state.to_query()}" in last_list.notes_slide.notes_text_frame.text
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
    from dashboard.model.palette import COLOR_SINCE
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


# --------------------------------------------------------------------------- the template (issue 19)
def test_deck_template_state_look(client, ctx):
    """16:9 on a template built in code: DSFR theme (bleu France, rouge Marianne, Arial), the « République
    française » block on the title slide, the committee date, page numbers, speaker notes with the
    filters and the view's absolute address (host and prefix of the request)."""
    from lxml import etree
    from pptx.enum.shapes import PP_PLACEHOLDER
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT
    from pptx.oxml.ns import qn
    from pptx.util import Inches
    from dashboard.exports.deck_template import LAYOUT_CONTENT, LAYOUT_TITLE, PAGE_NUMBER, RF_BLOCK
    from dashboard.model.describe import filters_sentence
    query = "?region=24&filiere=Agroalimentaire"
    r = client.get(f"/export.pptx{query}&comite=2026-12-15", base_url="https://carte.example.fr")
    assert r.status_code == 200 and "X-Parametres-Ignores" not in r.headers
    (ARTIFACTS / "dossier_modele_region24.pptx").write_bytes(r.data)
    prs = Presentation(io.BytesIO(r.data))
    assert (prs.slide_width, prs.slide_height) == (Inches(13.333), Inches(7.5))
    assert [lay.name for lay in prs.slide_layouts] == [LAYOUT_TITLE, LAYOUT_CONTENT]
    theme = etree.fromstring(prs.slide_master.part.part_related_by(RT.THEME).blob)
    assert theme.find(f".//{qn('a:accent1')}/{qn('a:srgbClr')}").get("val") == "000091"
    assert theme.find(f".//{qn('a:accent2')}/{qn('a:srgbClr')}").get("val") == "E1000F"
    assert {e.get("typeface") for e in theme.iter(qn("a:latin"))} == {"Arial"}
    slides = list(prs.slides)
    title = slides[0]
    assert title.slide_layout.name == LAYOUT_TITLE
    block = [s for s in title.slide_layout.shapes if s.name == RF_BLOCK]
    assert len(block) == 1 and "RÉPUBLIQUE\vFRANÇAISE" in block[0].text_frame.text
    assert title.placeholders[1].text_frame.text == "Comité du 15 décembre 2026"
    # every other slide: its number in a slide-number placeholder holding a « slidenum » field
    for number, slide in enumerate(slides[1:], start=2):
        assert slide.slide_layout.name == LAYOUT_CONTENT
        num = shape(slide, PAGE_NUMBER)
        assert num.placeholder_format.type == PP_PLACEHOLDER.SLIDE_NUMBER
        field = num._element.find(f".//{qn('a:fld')}")
        assert field.get("type") == "slidenum" and num.text_frame.text == str(number)
    assert not [s for s in title.shapes if s.name == PAGE_NUMBER]
    # notes: the filters in words and the absolute address of the view, on every slide
    state = ViewState.from_query(query, ctx.choices)[0]
    sentence = filters_sentence(ctx, state, len(filter_laureates(ctx.laureats, state)))
    for slide in slides:
        notes = slide.notes_slide.notes_text_frame.text
        assert f"Vue en ligne : https://carte.example.fr/{state.to_query()}" in notes
        assert sentence in notes
    # a bad committee date is said, never an error
    r = client.get(f"/export.pptx{query}&comite=15/12/2026")
    assert r.status_code == 200 and "comite" in r.headers["X-Parametres-Ignores"]


@pytest.mark.parametrize("query, count_column", [("?region=24", False), ("?region=24&indicateur=investissement", True),
                                                 ("?region=24&par_hab=1", True)])
def test_deck_ranking_has_no_duplicate_laureats_column(client, ctx, query, count_column):
    prs = get_deck(client, query, "classement")
    header = [c.text for c in shape(prs.slides[3], "classement").table.rows[0].cells]
    assert len(header) == len(set(header)), header
    assert ("Lauréats" in header[3:]) == count_column, header


def test_deck_lists_at_most_six_slides(client, ctx):
    """France entière (all the laureates): a committee reads a capped list, the rest is in the XLSX."""
    state = ViewState()
    prs = get_deck(client, "", "france_liste")
    lists = [s for s in prs.slides if s.shapes.title.text.startswith(LIST_TITLE)]
    assert 1 <= len(lists) <= 6
    rows = sum(len(shape(s, "liste-laureats").table.rows) - 1 for s in lists)
    assert rows <= 30 < len(filter_laureates(ctx.laureats, state))


def test_deck_without_amounts(official_bundle):
    """The official file has no amounts: lists sorted by date, no amount column, no « investissements » title."""
    from dashboard.exports.deck import build_deck
    from dashboard.model.data import DataContext
    octx = DataContext(official_bundle)
    assert not octx.has_amounts
    state = ViewState(territoire=next(iter(octx.laureats["epci_siren"].dropna())))
    prs = build_deck(octx, state, "http://localhost/")
    buf = io.BytesIO()
    prs.save(buf)
    (ARTIFACTS / "dossier_sans_montants.pptx").write_bytes(buf.getvalue())
    titles = [s.shapes.title.text for s in prs.slides]
    assert not any("investissement" in t.lower() for t in titles), titles
    lists = [s for s in prs.slides if s.shapes.title.text.startswith(LIST_TITLE)]
    assert lists and all("les plus récents" in s.shapes.title.text for s in lists)
    amount_words = ("Investissement", "Aide", "Emplois")
    for s in prs.slides:
        for sh in s.shapes:
            if sh.has_table:
                header = [c.text for c in sh.table.rows[0].cells]
                assert not any(w in h for h in header for w in amount_words), (sh.name, header)
    table = shape(lists[0], "liste-laureats").table
    dates = [table.cell(i, 4).text for i in range(1, len(table.rows))]
    sel = filter_laureates(octx.laureats, state).sort_values(["date", "entreprise"], ascending=[False, True],
                                                              kind="stable")
    assert [table.cell(i, 0).text for i in range(1, len(table.rows))] == list(sel["entreprise"].head(len(dates)))
    kpi_ids = {sh.name for sh in prs.slides[2].shapes}
    assert ids.KPI_LAUREATS in kpi_ids and not {m.kpi_id for m in __import__(
        "dashboard.model.catalog", fromlist=["KPI_METRICS"]).KPI_METRICS if m.requires == "amounts"} & kpi_ids


def test_map_images_name_places(ctx):
    """Place names on the server-drawn maps: the region's préfectures and its TI names (listed in the PNG's
    « Lieux » text chunk, the names drawn)."""
    from dashboard.exports.static_map import render_map
    state = ViewState(region="24")
    png = render_map(ctx, state, filter_laureates(ctx.laureats, state))
    (ARTIFACTS / "carte_serveur_region24_lieux.png").write_bytes(png)
    names = Image.open(io.BytesIO(png)).info["Lieux"].split(" ; ")
    for town in ("Orléans", "Tours", "Bourges", "Chartres", "Blois", "Châteauroux"):
        assert town in names, town
    assert "Paris" not in names  # outside the region
    tis = ctx.ti_table(state.phase)
    in_region = set(tis.loc[tis["code_region"] == "24", "ti_nom"])
    assert in_region and in_region <= set(names)
    national = render_map(ctx, ViewState(), ctx.laureats)
    assert {"Paris", "Lyon", "Marseille"} <= set(Image.open(io.BytesIO(national)).info["Lieux"].split(" ; "))


def test_server_images_font_is_installed():
    """The maps and the fiche are set in Liberation Sans (Debian fonts-liberation, installed by .ci/run)."""
    from matplotlib import font_manager
    from dashboard.exports.static_map import FONT_FAMILY
    path = font_manager.findfont(font_manager.FontProperties(family=FONT_FAMILY[0]), fallback_to_default=False)
    assert "LiberationSans" in path
