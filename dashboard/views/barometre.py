"""France Relance barometer by département: :class:`BarometreData` (prepared
once per process, see :func:`barometre_data`) and its map."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from geodata.build.join import fill_gaps

from dashboard.model import fmt
from dashboard.views import ids
from dashboard.model.data import VIEWS, DataContext, bounds_view, geojson, outline_lines
from dashboard.model.fmt import PLOTLY_SEPARATORS as SEPARATORS

#: Sequential blues (light to dark), colour-blind safe, distinct from the main map's purples.
BAROMETRE_SCALE = [[0.0, "#f7fbff"], [0.2, "#c6dbef"], [0.4, "#9ecae1"], [0.6, "#6baed6"],
                   [0.8, "#3182bd"], [1.0, "#08519c"]]
BAROMETRE_UNAVAILABLE = "Baromètre indisponible : source absente (python -m geodata fetch ou TI_SOURCE_DIR)"
BAROMETRE_TITLE = "Entreprises industrielles bénéficiaires des aides à l'investissement de France Relance"
BAROMETRE_NOTE = ("Cumul par département. Une entreprise présente dans plusieurs départements est comptée dans "
                  "chacun : la somme des départements dépasse le chiffre national. "
                  "Source : baromètre des résultats de l'action publique.")


class BarometreData:
    """The barometer prepared once per process: GeoJSON of the départements, a
    pivot (département x month) of the cumulative number of beneficiary firms,
    the names and a colour scale fixed over every month.

    Parameters
    ----------
    ctx : DataContext

    Attributes
    ----------
    available : bool
        False when the source was missing (empty table or feature flagged
        unavailable in the manifest).
    months : list of str
        'YYYY-MM', sorted.
    pivot : DataFrame
        Index ``code_departement`` (those present in the data), columns the months.
    zmax : float
        Top of the colour scale: 95th percentile of all values (every month),
        so that the slider shows growth on a constant scale.
    """

    def __init__(self, ctx: DataContext):
        self.ctx = ctx
        b = ctx.bundle
        bar = b.barometre
        self.available = bool(b.has("barometre") and bar is not None and len(bar) > 0)
        if not self.available:
            self.months, self.pivot, self.zmax, self.zmax_data, self.geojson = [], pd.DataFrame(), 1.0, 1.0, None
            self.names = pd.Series(dtype=str)
            return
        pivot = bar.pivot_table(index="code_departement", columns="date", values="valeur", aggfunc="last")
        self.pivot = pivot.sort_index().reindex(columns=sorted(pivot.columns))
        self.months = [str(m) for m in self.pivot.columns]
        values = self.pivot.to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        self.zmax_data = float(values.max()) if values.size else 1.0
        positive = values[values > 0]
        self.zmax = _round_up(float(np.percentile(positive, 95))) if positive.size else 1.0
        deps = b.departements[b.departements["code_departement"].isin(self.pivot.index)].copy()
        deps["geometry"] = fill_gaps(deps.geometry.to_numpy())
        self.geojson = geojson(deps, "code_departement", precision=0.002)
        self.region_lines = outline_lines(fill_gaps(b.regions.geometry.to_numpy()), min_area=2e-4)
        self.names = ctx.departements["nom_departement"].reindex(self.pivot.index).fillna("")

    def values(self, month: str) -> pd.Series:
        """Cumulative count per département at ``month`` (index ``code_departement``).

        Raises
        ------
        ValueError
            For a month absent from the data (French message).
        """
        if month not in self.pivot.columns:
            raise ValueError(f"mois absent du baromètre : « {month} »")
        return self.pivot[month]

    def figure(self, month: str | None = None, region: str | None = None) -> go.Figure:
        """Choropleth of the départements at ``month`` (last month when None),
        zoomed on ``region`` when given (other départements dimmed)."""
        if not self.available:
            return unavailable_figure()
        month = month or self.months[-1]
        z = self.values(month)
        locs = list(z.index)
        def firms(v) -> str:
            if pd.isna(v):
                return "valeur non disponible"
            return f"{fmt.integer(v)} entreprise{'s' if v > 1 else ''} bénéficiaire{'s' if v > 1 else ''}"
        hover = [f"<b>{fmt.hover_escape(self.names.get(d, ''))} ({d})</b><br>{firms(v)}<br>cumul à fin {fmt.month(month)}"
                 for d, v in z.items()]
        ticks = _nice_ticks(self.zmax)
        ticktext = [fmt.integer(t) for t in ticks]
        if self.zmax_data > self.zmax:
            ticks.append(self.zmax)
            ticktext.append(f"≥ {fmt.integer(self.zmax)}")
        region_deps = set()
        if region:
            region_deps = set(self.ctx.departements.index[self.ctx.departements["code_region"] == region])
        opacity = [0.9 if (not region or d in region_deps) else 0.3 for d in locs]
        fig = go.Figure(go.Choroplethmap(
            geojson=self.geojson, locations=locs, z=[None if pd.isna(v) else float(v) for v in z],
            zmin=0, zmax=self.zmax, colorscale=BAROMETRE_SCALE,
            marker={"line": {"width": 0.6, "color": "#ffffff"}, "opacity": opacity},
            customdata=hover, hovertemplate="%{customdata}<extra></extra>",
            colorbar={"title": {"text": "Entreprises<br>bénéficiaires", "font": {"size": 12}}, "thickness": 12,
                      "len": 0.6, "x": 0.99, "y": 0.45, "tickvals": ticks, "ticktext": ticktext},
            name="départements", showlegend=False,
        ))
        rl_lon, rl_lat = self.region_lines
        fig.add_trace(go.Scattermap(lon=rl_lon, lat=rl_lat, mode="lines", line={"width": 1, "color": "#555555"},
                                    hoverinfo="skip", name="Régions", showlegend=False))
        if region and region in self.ctx.region_bounds:
            lon, lat, zoom = bounds_view(self.ctx.region_bounds[region])
        else:
            lon, lat, zoom = VIEWS["metropole"][1:]
            zoom -= 0.3
        where = f" — {self.ctx.regions.get(region, region)}" if region else ""
        fig.update_layout(
            title={"text": f"{BAROMETRE_TITLE}<br><span style='font-size:13px'>cumul à fin {fmt.month(month)}"
                           f"{fmt.hover_escape(where)}</span>",
                   "subtitle": {"text": _wrap(BAROMETRE_NOTE, 125), "font": {"size": 11, "color": "#555"}},
                   "x": 0.01, "xanchor": "left", "font": {"size": 15}},
            map={"style": "white-bg", "center": {"lon": lon, "lat": lat}, "zoom": zoom},
            margin={"l": 0, "r": 0, "t": 118, "b": 0}, height=640, separators=SEPARATORS,
            uirevision=f"barometre-{region or 'fr'}", paper_bgcolor="#ffffff",
            hoverlabel={"bgcolor": "white", "font": {"size": 12}},
        )
        return fig


def _round_up(x: float) -> float:
    """Round up to a multiple of 5 units of the next-to-leading digit (245 -> 250, 1234 -> 1250)."""
    if x <= 0:
        return 1.0
    unit = 5 * 10 ** max(np.floor(np.log10(x)) - 1, 0)
    return float(np.ceil(x / unit) * unit)


def _wrap(text: str, width: int) -> str:
    """Break a long subtitle into lines of about ``width`` characters (``<br>``)."""
    lines, cur = [], ""
    for word in text.split():
        if cur and len(cur) + 1 + len(word) > width:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    if cur:
        lines.append(cur)
    return "<br>".join(lines)


def _nice_ticks(top: float, n: int = 4) -> list[float]:
    """Round tick values from 0 to below ``top``."""
    raw = top / n
    mag = 10 ** np.floor(np.log10(raw)) if raw > 0 else 1
    step = next(s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw)
    ticks = list(np.arange(0, top + 1e-9, step))
    if ticks and top - ticks[-1] < step * 0.4 and len(ticks) > 1:
        ticks.pop()  # leave room for the top label
    return [float(t) for t in ticks]


def unavailable_figure() -> go.Figure:
    """Empty figure with the French annotation saying the barometer source is missing."""
    fig = go.Figure()
    fig.add_annotation(text=BAROMETRE_UNAVAILABLE, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                       font={"size": 14, "color": "#333"})
    fig.update_layout(xaxis={"visible": False}, yaxis={"visible": False}, height=240, separators=SEPARATORS,
                      margin={"l": 10, "r": 10, "t": 40, "b": 10}, plot_bgcolor="#ffffff", paper_bgcolor="#ffffff",
                      title={"text": BAROMETRE_TITLE, "x": 0.01, "xanchor": "left", "font": {"size": 15}})
    return fig


def _as_barometre(data) -> BarometreData:
    return data if isinstance(data, BarometreData) else barometre_data(data)


def barometre_months(ctx) -> list[str]:
    """Months of the barometer, 'YYYY-MM' sorted ([] when unavailable).

    Parameters
    ----------
    ctx : DataContext or BarometreData
        Pass the :class:`BarometreData` built once per process; a
        DataContext works too but rebuilds it (GeoJSON included).
    """
    return list(_as_barometre(ctx).months)


def barometre_figure(ctx, month: str | None, region: str | None) -> go.Figure:
    """Département choropleth of the barometer at ``month``.

    Parameters
    ----------
    ctx : DataContext or BarometreData
        Prefer the :class:`BarometreData` built once per process (a
        DataContext is accepted and wrapped, at the cost of its GeoJSON).
    month : str or None
        'YYYY-MM' of :func:`barometre_months` (None: the last month).
    region : str or None
        Region code to zoom on (its départements stay opaque, the others dimmed).

    Returns
    -------
    go.Figure
        A ``go.Choroplethmap`` (``white-bg`` style, no tiles) of the cumulative
        number of beneficiary firms, one location per département of the data,
        colour scale fixed over every month, region lines on top; the subtitle
        says département values do not add up to the national figure. When the
        barometer is unavailable, an empty figure with the annotation
        :data:`BAROMETRE_UNAVAILABLE`.

    Raises
    ------
    ValueError
        For a month absent from the barometer.
    """
    return _as_barometre(ctx).figure(month, region)


def barometre_data(ctx: DataContext) -> BarometreData:
    """The barometer of ``ctx``, built on first use, once per process."""
    return ctx.once("barometre", lambda: BarometreData(ctx))


def barometre_block(ctx: DataContext, state=None, sel=None):
    """Barometer map with its month slider (or the unavailability notice)."""
    months = barometre_months(barometre_data(ctx))
    if not months:  # the slider stays (hidden, disabled) so the callback's inputs exist
        return html.Div([
            html.Div(dcc.Slider(id=ids.BAROMETRE_MONTH, min=0, max=0, step=1, value=0, disabled=True),
                     style={"display": "none"}),
            dcc.Graph(id=ids.BAROMETRE, figure=barometre_figure(barometre_data(ctx), None, None),
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
