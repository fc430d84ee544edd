"""The map figure's large constant parts, served apart: pin hover texts (a phase's), territory
names (a level's) and region lines. They were 75 % of every page's layout (430 KB of 565 KB) and
are the same for every view; from a versioned URL (``<prefix>geo/complements/<name>.json?v=…``)
the browser fetches each once and keeps it.

In the page's figure a trace names its complement in ``meta.complement`` (its URL) and leaves the
attribute out; ``assets/complements.js`` fills it in when the figure is drawn (and again when an
update names another complement). :func:`map_figure <dashboard.views.map_figure.map_figure>` itself
stays whole (tests, images); :func:`defer_complements` lightens a figure for a page.
"""
from __future__ import annotations

import numpy as np

from dashboard.model.data import DataContext
from dashboard.model.state import ViewState
from dashboard.views.map_figure import (PIN_PARTITION_NAMES, REGIONS, TRACE_CHORO, TRACE_IN, TRACE_OUT, TRACE_REGIONS,
                                        _ctx_pin_static, _pin_traces, complement_meta, hover_names,
                                        names_complement, pins_complement)

def complement_names(ctx: DataContext) -> tuple[str, ...]:
    """Every complement the app serves."""
    from geodata.schema import PHASES
    names = [REGIONS, names_complement("epci", PHASES[0])]
    for phase in PHASES:
        if ctx.has_ti:
            names.append(names_complement("ti", phase))
        names += [pins_complement(phase, inside) for inside, _, _ in _pin_traces(ctx)]
    return tuple(names)


def complement_body(ctx: DataContext, name: str) -> dict | None:
    """The attributes a complement gives its trace (None for an unknown name):
    ``{"hovertext": […]}`` (pins, aligned with the trace's points), ``{"noms": {location: name}}``
    (the choropleth's ``customdata``, by location) or ``{"lon": […], "lat": […]}`` (region lines)."""
    if name not in complement_names(ctx):
        return None
    if name == REGIONS:
        lon, lat = ctx.region_lines
        return {"lon": lon, "lat": lat}
    if name.startswith("noms-"):
        level, phase = ("epci", ViewState().phase) if name == "noms-epci" else ("ti", name[len("noms-ti-"):])
        names = ctx.territory_names(level, phase)
        return {"noms": dict(zip(map(str, names.index), hover_names(ctx, ViewState(niveau=level, phase=phase),
                                                                    list(names.index))))}
    phase, part = name[len("survol-"):].rsplit("-", 1)
    inside = {v: k for k, v in PIN_PARTITION_NAMES.items()}[part]
    return _ctx_pin_static(ctx, ViewState(phase=phase), inside)


def defer_complements(ctx: DataContext, state: ViewState, fig):
    """``fig`` (a map figure, in place) without its complements: each trace gets its ``meta``."""
    fig.data[TRACE_REGIONS].update(lon=[], lat=[], meta=complement_meta(ctx, REGIONS))
    fig.data[TRACE_CHORO].update(customdata=None, meta=complement_meta(ctx, names_complement(state.niveau, state.phase)))
    for idx, (inside, _, _) in zip((TRACE_IN, TRACE_OUT), _pin_traces(ctx)):
        fig.data[idx].update(hovertext=None, meta=complement_meta(ctx, pins_complement(state.phase, inside)))
    return fig


def keep_drawn(fig):
    """``fig`` (a map figure, in place) with only what is drawn: the territories that have a value
    and the pins that have a position, their names and hover texts inline. For a view that no update
    will widen (the embed): a region's figure then carries a few dozen names, not all of France's."""
    choro = fig.data[TRACE_CHORO]
    z = np.asarray(choro.z, dtype=float)
    keep = ~np.isnan(z)
    locations = list(choro.locations)
    selected = None if choro.selectedpoints is None else {locations[i] for i in choro.selectedpoints}
    kept = [loc for loc, k in zip(locations, keep) if k]
    choro.update(locations=kept, z=z[keep],
                 customdata=None if choro.customdata is None else np.asarray(choro.customdata, dtype=object)[keep],
                 selectedpoints=None if selected is None else [i for i, loc in enumerate(kept) if loc in selected])
    for idx in (TRACE_IN, TRACE_OUT):
        pins = fig.data[idx]
        if pins.lat is None or pins.hovertext is None:  # no TI: a single pin trace
            continue
        lat = np.asarray(pins.lat, dtype=float)
        shown = ~np.isnan(lat)
        pins.update(lat=lat[shown], lon=np.asarray(pins.lon, dtype=float)[shown],
                    hovertext=np.asarray(pins.hovertext, dtype=object)[shown])
    return fig


def without_empty_traces(fig):
    """``fig`` (a map figure, in place) without the traces that draw nothing (no location, no point):
    plotly.js gives each map trace its MapLibre sources and layers (four for a scattermap), drawn
    and tiled even when empty. Only for a figure that no update addresses by trace index (the embed)."""
    def draws(trace) -> bool:
        points = trace.locations if trace.type == "choroplethmap" else trace.lon
        return points is not None and len(points) > 0
    fig.data = [t for t in fig.data if draws(t)]
    return fig
