"""Callbacks. ``register_callbacks(app, ctx)`` receives its data; nothing here
reads module globals or mutates shared state, so workers and users are
independent. Every input is validated server-side (a callback can be POSTed
with any values) through the same code that parses the URL."""
from __future__ import annotations

import pandas as pd
from dash import ALL, ClientsideFunction, Input, Output, Patch, State, ctx as dash_ctx, no_update

from . import ids
from .data import VIEWS, DataContext, filter_laureates, kpis
from .figures import map_patch
from .layout import KPI_LABELS, kpi_titles, kpi_values, summary
from .fiche import fiche_panel, ranking_table
from .panels import barometre_figure, barometre_months, regional_table, time_figure
from .layers import zone_patch
from .search import dropdown_options
from .shell import EMPTY_MAP, empty_map_message
from .state import MULTI, PHASES, ViewState, state_from_controls
import dash_bootstrap_components as dbc

FILTER = {"type": ids.FILTER_TYPE, "name": ALL}


def control_value(state: ViewState, name: str):
    """Value a filter control shows for ``state``."""
    v = getattr(state, name)
    if name in MULTI:
        return list(v)
    if name == "ti":
        return v or ""
    return v


def register_callbacks(app, ctx: DataContext) -> None:
    choices = ctx.choices

    def url_state(query) -> tuple[ViewState, list[str]]:
        """State of a query string coming from the browser (anything else counts as empty)."""
        return ViewState.from_query(query if isinstance(query, str) else "", choices)

    @app.callback(
        Output(FILTER, "value"),
        Output(ids.URL, "search"),
        Output(ids.NOTICE, "children"),
        Input(FILTER, "value"),
        Input(ids.URL, "search"),
    )
    def sync_url_and_controls(values, search):
        """The URL is the state: controls -> URL (shareable, back button works), and
        URL (back/forward, pasted link) -> controls."""
        names = [o["id"]["name"] for o in dash_ctx.outputs_list[0]]
        from_url, ignored = url_state(search)
        trig = dash_ctx.triggered_id
        if trig == ids.URL or trig is None:
            return [control_value(from_url, n) for n in names], no_update, _notice(ignored)
        if not isinstance(values, list) or len(values) != len(names):
            return [no_update] * len(names), no_update, no_update
        state, bad = state_from_controls(dict(zip(names, values)), from_url, choices)
        query = state.to_query()
        if query == (search or ""):
            return [no_update] * len(names), no_update, _notice(bad) if bad else no_update
        return [control_value(state, n) for n in names], query, _notice(bad) if bad else None

    @app.callback(
        Output(ids.MAP, "figure"),
        *[Output(k, "children") for k in ids.KPIS],
        *[Output(k, "title") for k in ids.KPIS],
        Output(ids.SUMMARY, "children"),
        Output(ids.RENDERED, "data"),
        Output(EMPTY_MAP, "children"),
        Input(ids.URL, "search"),
        State(ids.RENDERED, "data"),
    )
    def render(search, rendered):
        """Recompute the map (as a Patch) and the KPI cards for the URL's state."""
        state, _ = url_state(search)
        before, _ = url_state(rendered)
        if state.to_query() == (rendered or ""):
            return (no_update,) * (4 + 2 * len(ids.KPIS))
        sel = filter_laureates(ctx.laureats, state)
        k = kpis(sel, ctx.has_amounts)
        values, titles = kpi_values(k), kpi_titles(k)
        return (zone_patch(map_patch(ctx, state, before, sel), ctx, state, before), *[values[i] for i in ids.KPIS],
                *[titles[i] for i in ids.KPIS], summary(ctx, state, len(sel)), state.to_query(),
                empty_map_message(len(sel)))

    @app.callback(
        Output(ids.FICHE, "children"),
        Output(ids.RANKING, "children"),
        Output(ids.REGIONS, "children"),
        Output(ids.TIME, "figure"),
        Output(ids.EXPORT_CSV, "href"),
        Output(ids.EXPORT_GEOJSON, "href"),
        Output(ids.TABS, "active_tab"),
        Input(ids.URL, "search"),
        State(ids.RENDERED, "data"),
        prevent_initial_call=True,
    )
    def render_panels(search, rendered):
        """Panels of the full page (absent from the embed view): fiche, ranking, regions,
        time chart, export links. Opens the fiche tab when a territory gets selected."""
        state, _ = url_state(search)
        before, _ = url_state(rendered)
        sel = filter_laureates(ctx.laureats, state)
        query = state.to_query(include_embed=False)
        new_tab = "fiche" if state.territoire and state.territoire != before.territoire else no_update
        return (fiche_panel(ctx, state, sel), ranking_table(ctx, state, sel), regional_table(ctx, state, sel),
                time_figure(ctx, state, sel), "export.csv" + query, "export.geojson" + query, new_tab)

    @app.callback(
        Output(ids.BAROMETRE, "figure"),
        Input(ids.BAROMETRE_MONTH, "value"),
        Input(ids.URL, "search"),
        Input(ids.TABS, "active_tab"),
    )
    def barometre(index, search, tab):
        """Barometer map for the slider's month, drawn only once its tab is open."""
        if tab != "temps":
            return no_update
        months = barometre_months(ctx.barometre)
        if not months or not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(months):
            return no_update
        state, _ = url_state(search)
        return barometre_figure(ctx.barometre, months[index], state.region)

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.MAP, "clickData"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def select_on_map(click, search):
        """A click on an EPCI or a TI opens its fiche (the URL gets ``territoire``)."""
        code = _clicked_location(click)
        state, _ = url_state(search)
        if code is None or code not in choices.territoires or code == state.territoire:
            return no_update
        return state.with_(territoire=code).to_query()

    @app.callback(
        Output(ids.SEARCH, "options"),
        Input(ids.SEARCH, "search_value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def search_options(text, search):
        if not isinstance(text, str) or len(text.strip()) < 2:
            return no_update
        return dropdown_options(ctx.search_index, text, url_state(search)[0].phase)

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.SEARCH, "value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def select_from_search(value, search):
        """A commune selects its EPCI (and region); an EPCI or a TI selects itself."""
        state, _ = url_state(search)
        target = _parse_search_value(ctx, value)
        if target is None:
            return no_update
        code, region, phase = target
        new = state.with_(territoire=code, comparer=None, region=region, departement=None,
                          phase=phase or state.phase)
        return new.to_query()

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
        deps = ctx.departements
        if isinstance(region, str) and region in choices.regions:
            deps = deps[deps["code_region"] == region]
        return [{"label": f"{code} — {r.nom_departement}", "value": code} for code, r in deps.iterrows()]

    @app.callback(
        Output(ids.MAP, "figure", allow_duplicate=True),
        Input(ids.GOTO, "value"),
        prevent_initial_call=True,
    )
    def go_to(view):
        if not isinstance(view, str) or view not in VIEWS:
            return no_update
        _, lon, lat, zoom = VIEWS[view]
        p = Patch()
        p["layout"]["map"]["center"] = {"lon": lon, "lat": lat}
        p["layout"]["map"]["zoom"] = zoom
        p["layout"]["uirevision"] = f"aller-{view}"
        return p

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.RESET, "n_clicks"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def reset(n, search):
        state, _ = url_state(search)
        return ViewState(embed=state.embed).to_query() or "?"


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


__all__ = ["register_callbacks", "KPI_LABELS"]
