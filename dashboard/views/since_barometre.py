"""The barometer tab with a reference date (``depuis``): the change per département
between the reference month and the slider's month, on the classed scale of the main
map. Pure: ``(BarometreData, month, state) -> go.Figure``."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.model import fmt
from dashboard.model.colour_scale import class_scale
from dashboard.model.palette import ZERO_COLOR
from dashboard.views.barometre import BarometreData, barometre_figure
from dashboard.model.state import ViewState


def reference_month(months: list[str], depuis: str) -> str | None:
    """The barometer month of the reference date: the last month ending before it
    (``2021-06-15`` -> ``2021-05``, the cumulative count at the end of May), or None
    when the barometer starts later."""
    before = [m for m in months if m < depuis[:7]]
    return before[-1] if before else None


def change_values(bar: BarometreData, month: str, since: str) -> pd.Series:
    """Beneficiary firms added per département between the end of ``since`` and the end of ``month``."""
    return bar.values(month) - bar.values(since)


def barometre_view(bar: BarometreData, month: str, state: ViewState) -> go.Figure:
    """The barometer map of the tab: the cumulative count, or with ``state.depuis`` the
    change since the reference month (classed colours, « +N » in the hover and legend)."""
    fig = barometre_figure(bar, month, state.region)
    if not state.depuis or not bar.available:
        return fig
    since = reference_month(bar.months, state.depuis)
    if since is None or since >= month:
        note = (f"Date de référence du {fmt.date_fr(state.depuis)} : pas de mois antérieur dans le baromètre"
                if since is None else f"Date de référence du {fmt.date_fr(state.depuis)} : choisir un mois après "
                f"{fmt.month(since)} pour voir le changement")
        fig.add_annotation(text=note, showarrow=False, xref="paper", yref="paper", x=0.01, y=0.02,
                           xanchor="left", bgcolor="rgba(255,255,255,0.9)", font={"size": 12}, name="depuis")
        return fig
    diff = change_values(bar, month, since)
    z = diff.to_numpy(dtype=float)
    scale = class_scale(z, True, fmt.integer)
    colorscale, zmax = scale.plotly_colorscale()
    period = f"entre fin {fmt.month(since)} et fin {fmt.month(month)}"
    hover = [f"<b>{fmt.hover_escape(bar.names.get(d, ''))} ({d})</b><br>"
             + ("valeur non disponible" if np.isnan(v) else f"{'+' if v >= 0 else ''}{fmt.integer(v)} entreprises "
                f"bénéficiaires")
             + f"<br>{period}" for d, v in diff.items()]
    fig.update_traces(selector=0, z=np.round(z, 0), zmin=0, zmax=zmax, colorscale=colorscale, showscale=False,
                      customdata=hover)
    lines = [f"<b>Nouvelles entreprises<br>{period}</b>"]
    lines += [f"<span style='color:{c};font-size:17px'>■</span> +{lab}" for c, lab in
              list(zip(scale.colors, scale.labels))[::-1]]
    lines.append(f"<span style='color:{ZERO_COLOR};font-size:17px'>■</span> aucune")
    fig.add_annotation(text="<br>".join(lines), align="left", showarrow=False, xref="paper", yref="paper",
                       x=0.995, y=0.02, xanchor="right", yanchor="bottom", bgcolor="rgba(255,255,255,0.9)",
                       bordercolor="#bbbbbb", borderwidth=1, font={"size": 12}, name="legende-depuis")
    total = float(np.nansum(z))
    fig.update_layout(title_text=f"Baromètre France Relance : entreprises industrielles bénéficiaires, "
                                 f"changement depuis le {fmt.date_fr(state.depuis)}<br><span style='font-size:13px'>"
                                 f"+{fmt.integer(total)} (somme des départements) {period}</span>")
    return fig
