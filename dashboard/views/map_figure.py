"""Pure figure builders: ``(data, state) -> go.Figure`` (or a Patch of it).

The map uses Plotly's MapLibre traces with the ``white-bg`` style: no map
token, no tile server; region lines and outlines come from our own geometry.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Patch

from geodata.schema import in_ti_column

from dashboard.model import fmt
from dashboard.model.catalog import METRICS, PIN_FIELDS
from dashboard.model.data import DataContext, aggregate, scope_name, shows_france, territories_in_scope
from dashboard.views.map_style import legend_html, pin_size, scale_for
from dashboard.model.since import since_laureates
from dashboard.model.state import ViewState
from dashboard.model.palette import COLOR_IN_TI, COLOR_OUT_TI, COLOR_SELECTED, COLOR_SINCE, OUTLINE
from dashboard.model.fmt import PLOTLY_SEPARATORS as SEPARATORS
from dashboard.views.map_overlays import overlay_legend_rows


TRACE_CHORO, TRACE_TI, TRACE_REGIONS, TRACE_IN, TRACE_OUT, TRACE_SELECTED, TRACE_SINCE = range(7)


def _z_format(state: ViewState) -> str:
    if state.par_hab:
        return ",.2f"
    return ",.0f"


def choropleth_values(ctx: DataContext, state: ViewState, sel: pd.DataFrame):
    """(locations, z, scale): every territory of the level, z = NaN outside the scope,
    and the classed colour scale of z (:func:`dashboard.views.map_style.scale_for`: quantile
    classes, no cap: the top class reads « ≥ … »)."""
    pop = ctx.population(state.niveau, state.phase)
    values = aggregate(sel, state, pop)
    scope = territories_in_scope(ctx, state)
    # float arrays (NaN = no value, sent as null): serialised in one go, not value by value
    z = np.round(values.where(values.index.isin(scope)).to_numpy(dtype=float), 4)
    return list(values.index), z, scale_for(state, z)


def legend_annotation(ctx: DataContext, state: ViewState, locations: list, scale) -> dict:
    """The class legend drawn in the map (so the slide image carries it too)."""
    selected = selected_location(locations, state)
    name = ctx.territory_names(state.niveau, state.phase).get(selected[0]) if selected else None
    return {"text": legend_html(state, scale, name, overlay_legend_rows(ctx, state)), "align": "left",
            "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.995, "y": 0.02, "xanchor": "right",
            "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.9)", "bordercolor": "#bbbbbb", "borderwidth": 1, "borderpad": 4,
            "font": {"size": 12}, "name": "legende-classes"}


def hover_names(ctx: DataContext, state: ViewState, locations: list) -> list[str]:
    """Territory names for the choropleth's ``%{customdata}``, escaped (names come from data files)."""
    names = ctx.territory_names(state.niveau, state.phase).reindex(locations).fillna("")
    return [fmt.hover_escape(n) for n in names]


# Complements (dashboard.views.map_complements): constant parts of the figure served apart.
COMPLEMENT = "complement"  # key of a trace's ``meta`` holding the URL
PIN_PARTITION_NAMES = {True: "dans", False: "hors", None: "tous"}


def names_complement(level: str, phase: str) -> str:
    """Complement holding the territory names of a level (the choropleth's hover)."""
    return "noms-epci" if level == "epci" else f"noms-ti-{phase}"


def pins_complement(phase: str, inside: bool | None) -> str:
    """Complement holding the hover texts of a phase's pins inside / outside a TI (or all)."""
    return f"survol-{phase}-{PIN_PARTITION_NAMES[inside]}"


REGIONS = "regions"  # complement holding the region lines


def complement_meta(ctx: DataContext, name: str) -> dict:
    """``meta`` of a trace whose attribute comes from complement ``name``."""
    return {COMPLEMENT: ctx.urls.page(f"geo/complements/{name}.json", f"?v={ctx.geo_version}")}


def pin_partition(lau: pd.DataFrame, state: ViewState, inside: bool | None) -> pd.DataFrame:
    """All laureates inside (True) or outside (False) a TI of the phase, or all (None)."""
    if inside is None:
        return lau
    flag = lau[in_ti_column(state.phase)].fillna(False).astype(bool)
    return lau[flag] if inside else lau[~flag]


def _ctx_partition(ctx: DataContext, state: ViewState, inside: bool | None) -> pd.DataFrame:
    """``pin_partition`` of all laureates, computed once per process and phase."""
    return ctx.once(("pins", state.phase, inside), lambda: pin_partition(ctx.laureats, state, inside))


def pin_static(part: pd.DataFrame) -> dict:
    """Hover text of every pin of a trace (sent with the page, not on filter changes)."""
    return {"hovertext": [_pin_text(r) for r in part.itertuples(index=False)]}


def _ctx_pin_static(ctx: DataContext, state: ViewState, inside: bool | None) -> dict:
    """``pin_static`` of a phase's pins, built once per process (a third of a new page's CPU)."""
    part = _ctx_partition(ctx, state, inside)  # outside: ctx.once does not nest (one lock)
    return ctx.once(("pin_static", state.phase, inside), lambda: pin_static(part))


def pin_visibility(part: pd.DataFrame, sel: pd.DataFrame) -> dict:
    """Latitudes of the pins the filters keep; the others get none (not drawn, not hoverable).
    Index-aligned with the static hover text and longitudes (:func:`pin_longitudes`), so only one
    array of numbers travels per trace on a filter change."""
    keep = part.index.isin(sel.index)
    lat = part["lat"].round(3).to_numpy(dtype=float, copy=True)  # ~100 m: enough for a pin
    lat[~keep] = np.nan  # sent as null: no position, so not drawn and not hoverable
    return {"lat": lat}


def pin_longitudes(part: pd.DataFrame) -> dict:
    """Longitudes of every pin of a trace (fixed for a phase: sent with the page or a phase change)."""
    return {"lon": part["lon"].round(3).to_numpy(dtype=float, copy=True)}


#: Figures of a laureate shown in its pin's hover: the catalog's summed metrics (one column each).
PIN_METRICS = tuple(m for m in METRICS if m.column is not None and m.aggregation == "sum")


def _pin_text(r) -> str:
    esc = fmt.hover_escape
    parts = [f"<b>{esc(r.entreprise)}</b>", f"{esc(r.nom_commune)} ({r.code_departement})",
             f"{esc(r.filiere or 'filière n.c.')} · {esc(r.mesure)}"]
    figures = [f"{m.fiche_label} {m.format(v)}" for m in PIN_METRICS
               if (v := getattr(r, m.column, None)) is not None and not pd.isna(v)]
    if figures:
        parts.append(" · ".join(figures))
    return "<br>".join(parts)


def map_figure(ctx: DataContext, state: ViewState, sel: pd.DataFrame) -> go.Figure:
    """The whole map, geometry included (sent once per page load)."""
    locations, z, scale = choropleth_values(ctx, state, sel)
    colorscale, zmax = scale.plotly_colorscale()
    names = hover_names(ctx, state, locations)
    # Geometry by URL: fetched once by the browser and cached, never inside a callback response.
    geo = ctx.urls.geo(state.niveau, state.phase, ctx.geo_version, shows_france(state))
    fig = go.Figure()
    fig.add_trace(go.Choroplethmap(
        geojson=geo, locations=locations, z=z, customdata=names, zmin=0, zmax=zmax,
        colorscale=colorscale, showscale=False,  # classes: legend drawn as an annotation
        marker={"line": {"width": 0.3, "color": "#ffffff"}, "opacity": 0.85},
        hovertemplate="<b>%{customdata}</b><br>%{z:" + _z_format(state) + "}<extra></extra>",
        name="territoires", showlegend=False, selectedpoints=selected_points(locations, state),
        selected={"marker": {"opacity": 1}}, unselected={"marker": {"opacity": 0.4}},
    ))
    if ctx.has_ti:
        ti_geo = ctx.urls.geo("ti", state.phase, ctx.geo_version, shows_france(state))
        ti_ids = ti_outline_ids(ctx, state)
        fig.add_trace(go.Choroplethmap(
            geojson=ti_geo, locations=ti_ids, z=[0] * len(ti_ids), showscale=False,
            colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
            marker={"line": {"width": 1.6, "color": OUTLINE}}, hoverinfo="skip",
            name=f"Territoires d'industrie {state.phase}", showlegend=False,
        ))
    else:
        fig.add_trace(go.Scattermap(lat=[], lon=[], mode="lines", showlegend=False, hoverinfo="skip"))
    rl_lon, rl_lat = ctx.region_lines
    fig.add_trace(go.Scattermap(lon=rl_lon, lat=rl_lat, mode="lines", line={"width": 1, "color": "#8a8a8a"},
                                hoverinfo="skip", name="Régions", showlegend=False))
    for inside, color, name in _pin_traces(ctx):
        part = _ctx_partition(ctx, state, inside)
        fig.add_trace(go.Scattermap(**_ctx_pin_static(ctx, state, inside), **pin_longitudes(part),
                                    **pin_visibility(part, sel), mode="markers",
                                    hoverinfo="text", marker={"size": pin_size(state), "color": color,
                                                              "opacity": 0.95},
                                    name=name))
    if not ctx.has_ti:
        fig.add_trace(go.Scattermap(lat=[], lon=[], mode="markers", showlegend=False))
    fig.add_trace(go.Choroplethmap(
        geojson=geo, locations=selected_location(locations, state), z=[0] * len(selected_location(locations, state)),
        showscale=False, colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
        marker={"line": {"width": 3, "color": COLOR_SELECTED}}, hoverinfo="skip", name="territoire sélectionné",
        showlegend=False))
    fig.add_trace(go.Scattermap(**since_positions(sel, state, ctx.has_ti), mode="markers", hoverinfo="skip",
                                name="décidés depuis la date de référence", showlegend=False))
    lon, lat, zoom = ctx.view_for(state)
    fig.update_layout(
        map={"style": "white-bg", "center": {"lon": lon, "lat": lat}, "zoom": zoom},
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=620, separators=SEPARATORS,
        uirevision=_uirevision(state), paper_bgcolor="#ffffff",
        showlegend=False,
        legend={"x": 0.01, "y": 0.02, "bgcolor": "rgba(255,255,255,0.85)", "font": {"size": 12}},
        hoverlabel={"bgcolor": "white", "font": {"size": 12}},
        annotations=[legend_annotation(ctx, state, locations, scale)],
    )
    return fig


def scope_geometry(ctx: DataContext, state: ViewState, fig: go.Figure) -> go.Figure:
    """``fig`` (in place) with the outlines of the view's scope only (region, département): nothing
    outside it is drawn, so a read-only view (the embed) fetches only those."""
    scope = scope_name(state)
    if scope:
        for idx, level in ((TRACE_CHORO, state.niveau), (TRACE_SELECTED, state.niveau), (TRACE_TI, "ti")):
            if isinstance(getattr(fig.data[idx], "geojson", None), str):
                fig.data[idx].geojson = ctx.urls.geo(level, state.phase, ctx.geo_version, scope=scope)
    return fig


#: Width (px) of the ring around a laureate decided since the reference date.
SINCE_RING = 4


def since_positions(sel: pd.DataFrame, state: ViewState, has_ti: bool = True) -> dict:
    """The rings around the laureates decided since ``state.depuis`` (none without it): for each,
    an opaque green disc, then the pin drawn again on it in its own colour (MapLibre circles have
    no outline here), so the ring reads clearly and the pin stays on top.

    Returns ``lat``, ``lon`` (the discs, then the pins) and ``marker`` (colours, sizes)."""
    new = since_laureates(sel, state.depuis)
    lat = new["lat"].round(3).to_numpy(dtype=float)
    lon = new["lon"].round(3).to_numpy(dtype=float)
    inside = (new[in_ti_column(state.phase)].fillna(False).to_numpy(dtype=bool) if has_ti
              else np.ones(len(new), dtype=bool))
    size = pin_size(state)
    return {"lat": np.concatenate([lat, lat]), "lon": np.concatenate([lon, lon]),
            "marker": {"color": [COLOR_SINCE] * len(new) + np.where(inside, COLOR_IN_TI, COLOR_OUT_TI).tolist(),
                       "size": [size + 2 * SINCE_RING] * len(new) + [size] * len(new), "opacity": 1}}


def _pin_traces(ctx: DataContext):
    if ctx.has_ti:
        return [(True, COLOR_IN_TI, "Lauréat dans un TI"), (False, COLOR_OUT_TI, "Lauréat hors TI")]
    return [(None, COLOR_IN_TI, "Lauréat")]


def selection_changed(before: ViewState | None, state: ViewState) -> bool:
    """Did a field that moves the pins change (:data:`dashboard.model.catalog.PIN_FIELDS`)?"""
    return before is None or any(getattr(before, f) != getattr(state, f) for f in PIN_FIELDS)


def selected_location(locations: list, state: ViewState) -> list:
    """The selected territory as the locations of the outline trace ([] when none on this level)."""
    return [state.territoire] if state.territoire and state.territoire in locations else []


def selected_points(locations: list, state: ViewState):
    """Index of the selected territory among the choropleth's locations (highlighted), or None."""
    if state.territoire and state.territoire in locations:
        return [locations.index(state.territoire)]
    return None


def ti_outline_ids(ctx: DataContext, state: ViewState) -> list[str]:
    """TI outlines drawn: those of the phase within the region/département scope."""
    scope_state = state.with_(niveau="ti")
    return [str(i) for i in territories_in_scope(ctx, scope_state)]


def _uirevision(state: ViewState) -> str:
    """Changes only when the view must move (region/département, searched commune); otherwise
    the user's zoom and pan are kept across updates."""
    return f"{state.region or 'fr'}-{state.departement or ''}" + (f"-{state.commune}" if state.commune else "")


def map_patch(ctx: DataContext, state: ViewState, before: ViewState | None, sel: pd.DataFrame) -> Patch:
    """Only what changed since ``before``: values and pins; geometry only when the
    level or the phase changed; the view only when the region/département changed."""
    p = Patch()
    locations, z, scale = choropleth_values(ctx, state, sel)
    colorscale, zmax = scale.plotly_colorscale()
    overview = shows_france(state)
    outlines_changed = before is None or shows_france(before) != overview  # coarser for all France
    geometry_changed = before is None or before.niveau != state.niveau or (
        state.niveau == "ti" and before.phase != state.phase)
    if geometry_changed:  # the names come with the new level's complement
        p["data"][TRACE_CHORO]["locations"] = locations
        p["data"][TRACE_CHORO]["meta"] = complement_meta(ctx, names_complement(state.niveau, state.phase))
    if geometry_changed or outlines_changed:
        p["data"][TRACE_CHORO]["geojson"] = ctx.urls.geo(state.niveau, state.phase, ctx.geo_version, overview)
        p["data"][TRACE_SELECTED]["geojson"] = ctx.urls.geo(state.niveau, state.phase, ctx.geo_version, overview)
    if ctx.has_ti and (before is None or before.phase != state.phase or outlines_changed):
        p["data"][TRACE_TI]["geojson"] = ctx.urls.geo("ti", state.phase, ctx.geo_version, overview)
        p["data"][TRACE_TI]["name"] = f"Territoires d'industrie {state.phase}"
    scope_changed = before is None or (before.region, before.departement, before.phase) != (
        state.region, state.departement, state.phase)
    if ctx.has_ti and scope_changed:
        ti_ids = ti_outline_ids(ctx, state)
        p["data"][TRACE_TI]["locations"] = ti_ids
        p["data"][TRACE_TI]["z"] = [0] * len(ti_ids)
    p["data"][TRACE_CHORO]["z"] = z
    p["data"][TRACE_CHORO]["zmax"] = zmax
    p["data"][TRACE_CHORO]["colorscale"] = colorscale
    p["layout"]["annotations"] = [legend_annotation(ctx, state, locations, scale)]
    if geometry_changed or before.territoire != state.territoire:
        p["data"][TRACE_CHORO]["selectedpoints"] = selected_points(locations, state)
        sel_loc = selected_location(locations, state)
        p["data"][TRACE_SELECTED]["locations"] = sel_loc
        p["data"][TRACE_SELECTED]["z"] = [0] * len(sel_loc)
    if before is None or (before.indicateur, before.par_hab) != (state.indicateur, state.par_hab):
        p["data"][TRACE_CHORO]["hovertemplate"] = "<b>%{customdata}</b><br>%{z:" + _z_format(state) + \
            "}<extra></extra>"
    if selection_changed(before, state):
        phase_changed = before is None or before.phase != state.phase
        for idx, (inside, _, _) in zip((TRACE_IN, TRACE_OUT), _pin_traces(ctx)):
            part = _ctx_partition(ctx, state, inside)
            if phase_changed:  # the inside/outside split moves: the hover texts are the phase's complement
                p["data"][idx]["meta"] = complement_meta(ctx, pins_complement(state.phase, inside))
                p["data"][idx]["lon"] = pin_longitudes(part)["lon"]
            for k, v in pin_visibility(part, sel).items():
                p["data"][idx][k] = v
    if before is None or pin_size(before) != pin_size(state):
        for idx in (TRACE_IN, TRACE_OUT)[:len(_pin_traces(ctx))]:
            p["data"][idx]["marker"]["size"] = pin_size(state)
    if selection_changed(before, state) or before.depuis != state.depuis:
        for k, v in since_positions(sel, state, ctx.has_ti).items():
            p["data"][TRACE_SINCE][k] = v
    if before is None or (before.region, before.departement) != (state.region, state.departement) or (
            ctx.searched_commune(state) is not None and (before.commune, before.territoire) != (
                state.commune, state.territoire)):
        lon, lat, zoom = ctx.view_for(state)
        p["layout"]["map"]["center"] = {"lon": lon, "lat": lat}
        p["layout"]["map"]["zoom"] = zoom
        p["layout"]["uirevision"] = _uirevision(state)
    return p
