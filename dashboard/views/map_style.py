"""Styling of the choropleth shared by the web map (Plotly) and the server-side
maps (matplotlib): its classed colour scale for a view, the legend text, the pin
size. Pure: ``(state, values) -> ClassScale | text``."""
from __future__ import annotations

import numpy as np

from dashboard.model import fmt
from dashboard.model.colour_scale import OUTSIDE_LABEL, ClassScale, class_scale
from dashboard.model.state import ViewState
from dashboard.model.palette import COLOR_SELECTED, COLOR_SINCE

#: Pin diameter (px) at national zoom, where 1,400 pins would bury the choropleth, and when zoomed in.
PIN_SIZE_NATIONAL = 4
PIN_SIZE_ZOOMED = 8


def bound_formatter(state: ViewState):
    """French text of a class bound for the view's indicator."""
    if state.par_hab:
        return lambda x: fmt.decimal(x, 2)
    return state.metric.format


def is_integer_metric(state: ViewState) -> bool:
    return not state.par_hab and state.metric.whole


def scale_for(state: ViewState, z) -> ClassScale:
    """The classes of a view's choropleth values (NaN outside the scope)."""
    return class_scale(np.asarray(z, dtype=float), is_integer_metric(state), bound_formatter(state))


def legend_title(state: ViewState) -> str:
    t = state.metric.label
    return f"{t} pour 10 000 hab." if state.par_hab else t


def legend_rows(scale: ClassScale, selected_name: str | None = None,
                state: ViewState | None = None) -> list[tuple[str, str, str]]:
    """(kind, colour, label) rows of the map legend: classes (highest first), zero,
    outside the selection, then the selected territory (kind ``"outline"``) if any."""
    rows = [("fill", c, lab) for c, lab in scale.legend()]
    if state is not None and state.niveau == "ti":  # at TI level, white is also "in no TI"
        rows[-1] = (rows[-1][0], rows[-1][1], f"{OUTSIDE_LABEL} / hors TI")
    if selected_name:
        rows.append(("outline", COLOR_SELECTED, f"{selected_name} (sélection)"))
    if state is not None and state.depuis:
        rows.append(("ring", COLOR_SINCE, f"décidé depuis le {fmt.date_fr(state.depuis)}"))
    return rows


#: Mark of each overlay row of the web map's legend (kind -> Plotly annotation HTML of its colour).
OVERLAY_MARKS = {
    "zone": "<span style='color:{color};font-size:9px'>●</span>",    # small pale dot, not a pin
    "commune": "<span style='color:{color};font-size:17px'>◉</span>",  # the searched commune's target
}


def legend_html(state: ViewState, scale: ClassScale, selected_name: str | None = None,
                overlays: tuple = ()) -> str:
    """The legend as Plotly annotation text (a subset of HTML; names escaped).

    Parameters
    ----------
    overlays : tuple of (kind, colour, label)
        Rows of the web map's own layers after the classes (``zone``: the priority-zone
        communes, ``commune``: the searched commune); kinds of :data:`OVERLAY_MARKS`.
    """
    lines = [f"<b>{fmt.hover_escape(legend_title(state))}</b>"]
    for kind, color, label in (*legend_rows(scale, selected_name, state), *overlays):
        if kind in OVERLAY_MARKS:
            lines.append(f"{OVERLAY_MARKS[kind].format(color=color)} {fmt.hover_escape(label)}")
            continue
        if kind == "outline":
            mark = f"<span style='color:{color};font-size:17px'>▢</span>"
        elif kind == "ring":
            mark = f"<span style='color:{color};font-size:17px'>◎</span>"
        elif color.lower() == "#ffffff":
            mark = "<span style='color:#9a9a9a;font-size:17px'>□</span>"
        else:
            mark = f"<span style='color:{color};font-size:17px'>■</span>"
        lines.append(f"{mark} {fmt.hover_escape(label)}")
    return "<br>".join(lines)


def pin_size(state: ViewState) -> int:
    """Smaller pins at national zoom (no region or département chosen)."""
    return PIN_SIZE_ZOOMED if (state.region or state.departement) else PIN_SIZE_NATIONAL
