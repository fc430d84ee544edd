"""Callbacks. ``register_callbacks(app, ctx)`` receives its data; nothing here
reads module globals or mutates shared state, so workers and users are
independent. Every input is validated server-side (a callback can be POSTed
with any values) through the same code that parses the URL."""
from __future__ import annotations

from dash import ALL, Input, Output, Patch, State, ctx as dash_ctx, no_update

from . import ids
from .data import VIEWS, DataContext, filter_laureates, kpis
from .figures import map_patch
from .layout import KPI_LABELS, kpi_titles, kpi_values, summary
from .state import MULTI, ViewState, state_from_controls
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
        url_state, ignored = ViewState.from_query(search if isinstance(search, str) else "", choices)
        trig = dash_ctx.triggered_id
        if trig == ids.URL or trig is None:
            return [control_value(url_state, n) for n in names], no_update, _notice(ignored)
        if not isinstance(values, list) or len(values) != len(names):
            return no_update, no_update, no_update
        state, bad = state_from_controls(dict(zip(names, values)), url_state, choices)
        query = state.to_query()
        if query == (search or ""):
            return no_update, no_update, _notice(bad) if bad else no_update
        return [control_value(state, n) for n in names], query, _notice(bad) if bad else None

    @app.callback(
        Output(ids.MAP, "figure"),
        *[Output(k, "children") for k in ids.KPIS],
        *[Output(k, "title") for k in ids.KPIS],
        Output(ids.SUMMARY, "children"),
        Output(ids.RENDERED, "data"),
        Input(ids.URL, "search"),
        State(ids.RENDERED, "data"),
    )
    def render(search, rendered):
        """Recompute the map (as a Patch) and the KPI cards for the URL's state."""
        state, _ = ViewState.from_query(search if isinstance(search, str) else "", choices)
        before, _ = ViewState.from_query(rendered if isinstance(rendered, str) else "", choices)
        if state.to_query() == (rendered or ""):
            return (no_update,) * (3 + 2 * len(ids.KPIS))
        sel = filter_laureates(ctx.laureats, state)
        k = kpis(sel, ctx.has_amounts)
        values, titles = kpi_values(k), kpi_titles(k)
        return (map_patch(ctx, state, before, sel), *[values[i] for i in ids.KPIS],
                *[titles[i] for i in ids.KPIS], summary(ctx, state, len(sel)), state.to_query())

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
        state, _ = ViewState.from_query(search if isinstance(search, str) else "", choices)
        return ViewState(embed=state.embed).to_query() or "?"


def _notice(ignored):
    if not ignored:
        return None
    return dbc.Alert("Paramètres ignorés : " + " ; ".join(ignored), color="secondary", className="py-1 mb-2 small")


__all__ = ["register_callbacks", "KPI_LABELS"]
