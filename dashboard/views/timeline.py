"""Laureates per month: pure builders of ``(ctx, state, sel) -> DataFrame | go.Figure``.

The x axis spans every month of the data; bars inside the selected period
(``state.debut``..``state.fin``) are coloured, the others grey (see
:func:`time_figure` for where the grey bars come from).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.model import fmt
from dashboard.model.data import DataContext, filter_laureates
from dashboard.model.state import ViewState
from dashboard.model.palette import COLOR_IN_TI as COLOR_PERIOD, COLOR_OUTSIDE_PERIOD as COLOR_OUTSIDE
from dashboard.model.fmt import PLOTLY_SEPARATORS as SEPARATORS

EMPTY_SELECTION = "Aucun lauréat pour ces filtres"


def _month_range(first: str, last: str) -> list[str]:
    return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]


def month_short(ym: str) -> str:
    """``"2020-10" -> "oct. 2020"`` (abbreviation of :func:`dashboard.model.fmt.month`)."""
    return fmt.month(ym, short=True)


def monthly_counts(sel: pd.DataFrame) -> pd.DataFrame:
    """Laureates and investment per month.

    Parameters
    ----------
    sel : DataFrame
        Laureates with ``mois`` ('YYYY-MM') and ``investissement_eur``.

    Returns
    -------
    DataFrame
        ``mois, laureats, investissement_eur``: every month from the first to
        the last dated laureate (months without laureates at 0), in order.
        ``investissement_eur`` is NaN for a month whose laureates have no
        amount. Undated laureates are not counted. Empty frame (same columns)
        for an empty or undated selection.
    """
    cols = ["mois", "laureats", "investissement_eur"]
    dated = sel[sel["mois"].notna()] if len(sel) else sel
    if not len(dated):
        return pd.DataFrame({"mois": pd.Series(dtype=str), "laureats": pd.Series(dtype="int64"),
                             "investissement_eur": pd.Series(dtype=float)})[cols]
    g = dated.groupby("mois")
    inv = g["investissement_eur"].sum(min_count=1).astype(float)
    months = _month_range(dated["mois"].min(), dated["mois"].max())
    out = pd.DataFrame({"mois": months})
    out["laureats"] = g.size().reindex(months).fillna(0).astype("int64").to_numpy()
    out["investissement_eur"] = inv.reindex(months).to_numpy(dtype=float)
    out.loc[out["laureats"] == 0, "investissement_eur"] = 0.0
    return out[cols]


def _in_period(months, debut: str | None, fin: str | None) -> np.ndarray:
    m = np.asarray(months, dtype=object)
    ok = np.ones(len(m), dtype=bool)
    if debut:
        ok &= m >= debut
    if fin:
        ok &= m <= fin
    return ok


def period_label(state: ViewState) -> str:
    """« d'octobre 2020 à mars 2021 » (French), "" without a period."""
    if not (state.debut or state.fin):
        return ""
    if state.debut and state.fin:
        if state.debut == state.fin:
            return f"en {fmt.month(state.debut)}"
        return f"de {fmt.month(state.debut)} à {fmt.month(state.fin)}"
    if state.debut:
        return f"depuis {fmt.month(state.debut)}"
    return f"jusqu'à {fmt.month(state.fin)}"


def time_figure(ctx: DataContext, state: ViewState, sel: pd.DataFrame,
                context: pd.DataFrame | None = None) -> go.Figure:
    """Bar chart of laureates per month, the selected period highlighted.

    Parameters
    ----------
    ctx : DataContext
    state : ViewState
        ``debut``/``fin`` give the highlighted period.
    sel : DataFrame
        The filtered laureates (with or without the period filter): their
        months inside the period are drawn in colour.
    context : DataFrame, optional
        Laureates matching every filter except the period, drawn in grey for
        the months outside it. When None and a period is set, it is
        ``filter_laureates(ctx.laureats, state.with_(debut=None, fin=None))``.

    Returns
    -------
    go.Figure
        One bar trace (per-bar colours), x axis over every month of the data
        with French labels (« oct. 2020 »), hover « octobre 2020 · 12 lauréats »;
        the annotation « Aucun lauréat pour ces filtres » when ``sel`` is empty.
    """
    all_months = ctx.laureats["mois"].dropna()
    months = _month_range(all_months.min(), all_months.max()) if len(all_months) else []
    has_period = bool(state.debut or state.fin)
    if has_period and context is None:
        context = filter_laureates(ctx.laureats, state.with_(debut=None, fin=None))
    inside = _in_period(months, state.debut, state.fin)
    mc_sel = monthly_counts(sel).set_index("mois").reindex(months)
    counts = mc_sel["laureats"].fillna(0).astype(int).where(inside, 0)
    invest = mc_sel["investissement_eur"].where(inside, 0.0)
    if has_period and context is not None:
        mc_ctx = monthly_counts(context).set_index("mois").reindex(months)
        counts = counts.where(inside, mc_ctx["laureats"].fillna(0).astype(int))
        invest = invest.where(inside, mc_ctx["investissement_eur"])
    colors = [COLOR_PERIOD if ok else COLOR_OUTSIDE for ok in inside]
    hover = []
    for m, n, inv, ok in zip(months, counts, invest, inside):
        t = f"<b>{fmt.month(m)}</b><br>{fmt.integer(n)} lauréat{'s' if n > 1 else ''}"
        if ctx.has_amounts and n and not pd.isna(inv):
            t += f"<br>Investissement {fmt.euros(inv)}"
        if not ok:
            t += "<br><i>hors de la période choisie</i>"
        hover.append(t)
    fig = go.Figure(go.Bar(x=months, y=counts.tolist(), marker={"color": colors, "line": {"width": 0}},
                           hovertext=hover, hoverinfo="text", name="Lauréats", showlegend=False))
    step = max(1, int(np.ceil(len(months) / 12)))
    title = "Lauréats par mois"
    subtitle = (f"Période choisie {period_label(state)} : {fmt.integer(len(sel))} lauréat"
                f"{'s' if len(sel) > 1 else ''} (en couleur) ; hors période en gris" if has_period
                else f"{fmt.integer(len(sel))} lauréat{'s' if len(sel) > 1 else ''}, selon le mois de leur date "
                     "dans le fichier des lauréats")
    fig.update_layout(
        title={"text": title, "subtitle": {"text": subtitle, "font": {"size": 12, "color": "#555"}},
               "x": 0.01, "xanchor": "left", "font": {"size": 15}},
        xaxis={"type": "category", "tickvals": months[::step], "ticktext": [month_short(m) for m in months[::step]],
               "categoryorder": "array", "categoryarray": months, "tickangle": 0 if len(months) <= 12 else -35,
               "showgrid": False},
        yaxis={"title": {"text": "Lauréats"}, "tickformat": ",d", "rangemode": "tozero", "gridcolor": "#e6e6e6",
               # whole counts: no repeated rounded ticks (0, 1, 1, 2, 2) when the bars are small
               "dtick": 1 if int(counts.max() if len(counts) else 0) <= 6 else None},
        separators=SEPARATORS, height=320, margin={"l": 60, "r": 15, "t": 70, "b": 60}, bargap=0.15,
        plot_bgcolor="#ffffff", paper_bgcolor="#ffffff",
        hoverlabel={"bgcolor": "white", "font": {"size": 12}},
    )
    if not len(sel):
        fig.add_annotation(text=EMPTY_SELECTION, xref="paper", yref="paper", x=0.5, y=0.6, showarrow=False,
                           font={"size": 15, "color": "#333"}, bgcolor="rgba(255,255,255,0.85)")
        if not counts.any():
            fig.update_yaxes(range=[0, 1], tickvals=[0])
    return fig
