"""Callbacks. ``register_callbacks(app, ctx)`` receives its data; nothing here
reads module globals or mutates shared state, so workers and users are
independent. Every input is validated server-side (a callback can be POSTed
with any values) through the same code that parses the URL."""
from __future__ import annotations

import pandas as pd
import dash_bootstrap_components as dbc
from dash import ALL, ClientsideFunction, Input, Output, Patch, State, ctx as dash_ctx, no_update

from geodata.schema import PHASES

from dashboard.views import ids
from dashboard.views.barometre import BAROMETRE_BOX, barometre_data, barometre_graph, barometre_months
from dashboard.model.catalog import departement_options as _departement_options
from dashboard.views.compare import register_compare_callbacks
from dashboard.model.data import VIEWS, DataContext, filter_laureates, kpis, shows_france
from dashboard.views.map_figure import TRACE_CHORO, TRACE_SELECTED, TRACE_TI, map_patch
from dashboard.model.kpi_text import kpi_titles, kpi_values
from dashboard.views.layout import summary
from dashboard.views.panels import URL_PANELS
from dashboard.model.since import since_text
from dashboard.views.since_barometre import barometre_view
from dashboard.model.state import ViewState, control_value, state_from_controls

from dashboard.model.export_formats import BUTTONS
from dashboard.views.fiche import card_scope
from dashboard.views.map_overlays import commune_patch, zone_patch
from dashboard.model.search import dropdown_options
from dashboard.views.page_frame import EMPTY_MAP, empty_map_message, frenchify_dropdowns

FILTER = {"type": ids.FILTER_TYPE, "name": ALL}


def url_state(ctx: DataContext, query) -> tuple[ViewState, list[str]]:
    """State of a query string coming from the browser (anything else counts as empty)."""
    return ViewState.from_query(query if isinstance(query, str) else "", ctx.choices)


# =========================================================================== callback bodies
# Module-level functions of (ctx, state, …): the registered callbacks only unpack Dash's
# arguments and call them, so tests call them directly.
def sync_body(ctx: DataContext, names: list[str], values, search, from_url: bool):
    """The URL is the state: controls -> URL (shareable, back button works), and
    URL (back/forward, pasted link) -> controls.

    Returns (control values, new query or no_update, notice or no_update)."""
    url, ignored = url_state(ctx, search)
    if from_url:
        return [control_value(url, n) for n in names], no_update, _notice(ignored)
    if not isinstance(values, list) or len(values) != len(names):
        return [no_update] * len(names), no_update, no_update
    state, bad = state_from_controls(dict(zip(names, values)), url, ctx.choices)
    query = state.to_query()
    if query == (search or ""):
        return [no_update] * len(names), no_update, _notice(bad) if bad else no_update
    return [control_value(state, n) for n in names], query, _notice(bad) if bad else None


#: Outputs of the render callback, by name (the values :func:`render_body` returns under the same names).
RENDER_OUTPUTS = {
    "figure": Output(ids.MAP_FIGURE, "data"),  # the Patch of render_body, as map_change()
    "kpi_text": {k: Output(k, "children") for k in ids.KPIS},
    "kpi_title": {k: Output(k, "title") for k in ids.KPIS},
    "summary": Output(ids.SUMMARY, "children"),
    "since": Output(ids.KPI_SINCE, "children"),
    "scope": Output(ids.KPI_SCOPE, "children"),
    "rendered": Output(ids.RENDERED, "data"),
    "empty_message": Output(EMPTY_MAP, "children"),
}
#: Outputs of the panels callback: each URL panel (its box), each export button's link, the active
#: tab, the tabs drawn.
PANEL_OUTPUTS = {
    "panels": {p.id: Output(p.box_id, "children") for p in URL_PANELS},
    "export_links": {f.element_id: Output(f.element_id, "href") for f in BUTTONS},
    "active_tab": Output(ids.TABS, "active_tab"),
    "drawn": Output(ids.PANELS_DRAWN, "data"),
}


def unchanged(outputs: dict) -> dict:
    """``no_update`` for every output of a (nested) dict of outputs."""
    return {k: unchanged(o) if isinstance(o, dict) else no_update for k, o in outputs.items()}


def render_body(ctx: DataContext, state: ViewState, before: ViewState, rendered) -> dict | None:
    """Map patch (zone layer and searched commune included), KPI texts and titles (by card id; the
    selected territory's own figures when there is one, :func:`dashboard.views.fiche.card_scope`),
    summary, change since ``depuis`` (same laureates as the cards), words naming the cards' scope,
    rendered query, empty-map message (keys of :data:`RENDER_OUTPUTS`); None when the view is
    already drawn."""
    if state.to_query() == (rendered or ""):
        return None
    sel = filter_laureates(ctx.laureats, state)
    cards, scope = card_scope(ctx, state, sel)
    k = kpis(cards, ctx.choices)
    values, titles = kpi_values(k), kpi_titles(k)
    return {
        "figure": commune_patch(zone_patch(map_patch(ctx, state, before, sel), ctx, state, before), ctx, state,
                                before),
        "kpi_text": {i: values.get(i, "n.d.") for i in ids.KPIS},
        "kpi_title": {i: titles.get(i, "") for i in ids.KPIS},
        "summary": summary(ctx, state, len(sel)),
        "since": since_text(cards, state.depuis, ctx.choices),
        "scope": scope,
        "rendered": state.to_query(),
        "empty_message": empty_map_message(len(sel)),
    }


def panels_body(ctx: DataContext, state: ViewState, before: ViewState, rendered, tab, drawn) -> dict:
    """Content of the panels of :data:`dashboard.views.panels.URL_PANELS` in the open tab, the export
    links (one per button of :data:`dashboard.model.export_formats.BUTTONS`), the active tab (the fiche
    when a territory gets selected) and the tabs drawn, ``{tab: query}``
    (:data:`dashboard.views.ids.PANELS_DRAWN`): keys of :data:`PANEL_OUTPUTS`.

    A panel is built only when its tab is open and not yet drawn for this view (the page's layout
    draws its first tab; a hidden tab stays as it was until it opens). The export links change
    with the view only."""
    query = state.to_query()
    tab = tab if isinstance(tab, str) else None  # values come from the browser: anything else is no tab
    drawn = {k: v for k, v in drawn.items() if isinstance(v, str)} if isinstance(drawn, dict) else {}
    new_tab = "fiche" if state.territoire and state.territoire != before.territoire else no_update
    open_tab = new_tab if new_tab is not no_update else tab
    todo = open_tab if drawn.get(open_tab) != query else None
    sel = filter_laureates(ctx.laureats, state) if todo else None
    panels = {p.id: p.content(ctx, state, sel) if p.tab == todo else no_update for p in URL_PANELS}
    for panel in panels.values():  # dropdowns drawn by a callback (« Comparer avec… ») get the page's French texts
        if panel is not no_update:
            frenchify_dropdowns(panel)
    if query == (rendered or ""):
        links = unchanged(PANEL_OUTPUTS["export_links"])
    else:
        export_query = state.to_query(include_embed=False)
        links = {f.element_id: ctx.urls.export(f.kind, export_query) for f in BUTTONS}
    return {"panels": panels, "export_links": links, "active_tab": new_tab,
            "drawn": {**drawn, todo: query} if todo else no_update}


def barometre_body(ctx: DataContext, index, state: ViewState, tab):
    """Barometer map for the slider's month, drawn only once its tab is open (the callback
    shows it in :func:`dashboard.barometre.barometre_graph`)."""
    if tab != "temps":
        return no_update
    months = barometre_months(barometre_data(ctx))
    if not months or not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(months):
        return no_update
    return barometre_view(barometre_data(ctx), months[index], state)


def select_on_map_body(ctx: DataContext, click, state: ViewState):
    """A click on an EPCI or a TI opens its fiche (the URL gets ``territoire``)."""
    code = _clicked_location(click)
    if code is None or code not in ctx.choices.territoires or code == state.territoire:
        return no_update
    return state.with_(territoire=code).to_query()


def search_options_body(ctx: DataContext, text, search=None):
    """Options for the typed text, labelled for the phase of the URL's view (each carries the
    typed text as ``search``: the browser does not filter the server's answers again)."""
    if not isinstance(text, str) or len(text.strip()) < 2:
        return no_update
    return dropdown_options(ctx.search_index, text, url_state(ctx, search)[0].phase)


def select_from_search_body(ctx: DataContext, value, state: ViewState):
    """A commune selects its EPCI (and region) and is kept as ``commune`` (marked on the map, its EPCI
    in view, the projects around it in the fiche); an EPCI or a TI selects itself."""
    target = _parse_search_value(ctx, value)
    if target is None:
        return no_update
    code, region, phase = target
    commune = value.split("|")[1] if value.startswith("commune|") else None
    return state.with_(territoire=code, comparer=None, region=region, departement=None, commune=commune,
                       phase=phase or state.phase).to_query()


def departement_options_body(ctx: DataContext, region):
    return _departement_options(ctx, region if isinstance(region, str) and region in ctx.choices.regions else None)


def go_to_body(ctx: DataContext, view, state: ViewState):
    """Move the map to a view of :data:`dashboard.model.data.VIEWS`; away from mainland France the
    outlines are the finer ones (the coarse national file shows at that zoom)."""
    if not isinstance(view, str) or view not in VIEWS:
        return no_update
    _, lon, lat, zoom = VIEWS[view]
    p = Patch()
    overview = view == "metropole" and shows_france(state)
    for trace in (TRACE_CHORO, TRACE_SELECTED):
        p["data"][trace]["geojson"] = ctx.urls.geo(state.niveau, state.phase, ctx.geo_version, overview)
    if ctx.has_ti:
        p["data"][TRACE_TI]["geojson"] = ctx.urls.geo("ti", state.phase, ctx.geo_version, overview)
    p["layout"]["map"]["center"] = {"lon": lon, "lat": lat}
    p["layout"]["map"]["zoom"] = zoom
    p["layout"]["uirevision"] = f"aller-{view}"
    return p


def reset_body(state: ViewState) -> str:
    return ViewState(embed=state.embed).to_query() or "?"


# =========================================================================== registration
def register_callbacks(app, ctx: DataContext) -> None:
    """Register the callbacks of ``app`` for the data ``ctx`` (outputs generated from
    the KPI metrics and the panel registry)."""
    register_compare_callbacks(app, ctx)

    # No callback runs at page load: the layout holds the view of its URL (dcc.Location included,
    # see dashboard.layout.url_location), the hidden tabs are drawn when opened.
    @app.callback(
        Output(FILTER, "value"),
        Output(ids.URL, "search"),
        Output(ids.NOTICE, "children"),
        Input(FILTER, "value"),
        Input(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def sync_url_and_controls(values, search):
        names = [o["id"]["name"] for o in dash_ctx.outputs_list[0]]
        trig = dash_ctx.triggered_id
        return sync_body(ctx, names, values, search, from_url=trig == ids.URL or trig is None)

    @app.callback(
        output=RENDER_OUTPUTS,
        inputs=dict(search=Input(ids.URL, "search"), rendered=State(ids.RENDERED, "data")),
        prevent_initial_call=True,
    )
    def render(search, rendered):
        """Recompute the map (as a Patch) and the KPI cards for the URL's state."""
        out = render_body(ctx, url_state(ctx, search)[0], url_state(ctx, rendered)[0], rendered)
        return unchanged(RENDER_OUTPUTS) if out is None else {**out, "figure": map_change(out["figure"])}

    @app.callback(
        output=PANEL_OUTPUTS,
        inputs=dict(search=Input(ids.URL, "search"), tab=Input(ids.TABS, "active_tab"),
                    rendered=State(ids.RENDERED, "data"), drawn=State(ids.PANELS_DRAWN, "data")),
        prevent_initial_call=True,
    )
    def render_panels(search, tab, rendered, drawn):
        return panels_body(ctx, url_state(ctx, search)[0], url_state(ctx, rendered)[0], rendered, tab, drawn)

    @app.callback(
        Output(BAROMETRE_BOX, "children"),
        Input(ids.BAROMETRE_MONTH, "value"),
        Input(ids.URL, "search"),
        Input(ids.TABS, "active_tab"),
        prevent_initial_call=True,
    )
    def barometre(index, search, tab):
        fig = barometre_body(ctx, index, url_state(ctx, search)[0], tab)
        return fig if fig is no_update else barometre_graph(fig)

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.MAP_CLICK, "data"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def select_on_map(click, search):
        return select_on_map_body(ctx, click, url_state(ctx, search)[0])

    @app.callback(
        Output(ids.SEARCH, "options"),
        Input(ids.SEARCH, "search_value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def search_options(text, search):
        return search_options_body(ctx, text, search)

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.SEARCH, "value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def select_from_search(value, search):
        return select_from_search_body(ctx, value, url_state(ctx, search)[0])

    app.clientside_callback(
        ClientsideFunction(namespace="ti", function_name="slide"),
        Output("statut-diapositive", "children"),
        Input(ids.SLIDE, "n_clicks"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.filter_id("departement"), "options"),
        Input(ids.filter_id("region"), "value"),
        prevent_initial_call=True,
    )
    def departement_options(region):
        return departement_options_body(ctx, region)

    @app.callback(
        Output(ids.MAP_FIGURE, "data", allow_duplicate=True),
        Input(ids.GOTO, "value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def go_to(view, search):
        p = go_to_body(ctx, view, url_state(ctx, search)[0])
        return p if p is no_update else map_change(p)

    # The map's changes drawn in the browser (assets/carte-dessin.js applies them to its figure; a
    # callback needs an output: the store's id, never changed, the function returns no_update).
    app.clientside_callback(
        ClientsideFunction(namespace="ti_carte", function_name="update"),
        Output(ids.MAP_FIGURE, "id"),
        Input(ids.MAP_FIGURE, "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.RESET, "n_clicks"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def reset(n, search):
        return reset_body(url_state(ctx, search)[0])


def map_change(patch: Patch) -> dict:
    """A map Patch as the data of the store :data:`~dashboard.views.ids.MAP_FIGURE`: its operations,
    applied to the drawn figure by ``assets/carte-dessin.js`` (a store holds no figure to patch)."""
    return {"operations": patch.to_plotly_json()["operations"]}


def _clicked_location(click) -> str | None:
    """The location id of a clicked choropleth feature, from (untrusted) clickData."""
    if not isinstance(click, dict):
        return None
    points = click.get("points")
    if not isinstance(points, list) or not points or not isinstance(points[0], dict):
        return None
    loc = points[0].get("location")
    return loc if isinstance(loc, str) and len(loc) <= 20 else None


def _parse_search_value(ctx: DataContext, value):
    """(territoire, region, phase) for a search value, or None when invalid."""
    if not isinstance(value, str) or value.count("|") != 2 or len(value) > 60:
        return None
    kind, code, phase = value.split("|")
    if kind == "commune":
        row = ctx.communes[ctx.communes["insee_com"] == code]
        if row.empty or pd.isna(row["epci_siren"].iloc[0]):
            return None
        return row["epci_siren"].iloc[0], row["code_region"].iloc[0], None
    if kind == "epci" and code in ctx.epci.index:
        return code, ctx.epci.loc[code, "code_region"], None
    if kind == "ti" and phase in PHASES:
        t = ctx.ti_table(phase)
        if code in t.index:
            return code, t.loc[code, "code_region"], phase
    return None


def _notice(ignored):
    if not ignored:
        return None
    return dbc.Alert("Paramètres ignorés : " + " ; ".join(ignored), color="secondary", className="py-1 mb-2 small")


__all__ = ["register_callbacks"]
