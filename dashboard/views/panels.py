"""The panels under the map, registered once: element id, tab, builder and what
it reads. The layout places them (:func:`tabs_of`) and the callbacks are
generated from :data:`PANELS` (:mod:`dashboard.callbacks.view`): a panel that reads
the URL is recomputed, with the others, each time the view state changes.

A builder is a pure function ``(ctx, state, sel) -> component`` (or a figure
when ``prop="figure"``), where ``sel`` is ``filter_laureates(ctx.laureats, state)``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from dash import dcc, html

from dashboard.model import fmt
from dashboard.views import ids
from dashboard.views.barometre import barometre_block
from dashboard.views.fiche import fiche_panel, ranking_table
from dashboard.views.regional import regional_table
from dashboard.views.timeline import time_figure


@dataclass(frozen=True)
class Panel:
    """A panel of the page.

    Attributes
    ----------
    id : str
        Element id of its container.
    tab, tab_label : str
        Tab holding it (``tab_id``) and the tab's French label (panels of one tab share it).
    build : callable (ctx, state, sel) -> component or figure
    prop : {"children", "figure"}
        Property the builder fills (``figure``: the container is a ``dcc.Graph``).
    reads_url : bool
        Rebuilt on every change of the view state. False for a panel with its own
        callback (the barometer reads its slider); its builder then makes the
        whole block, inputs included.
    """

    id: str
    tab: str
    tab_label: str
    build: Callable
    prop: str = "children"
    reads_url: bool = True

    def place(self, ctx, state, sel):
        """The panel in the page, filled for ``state``."""
        if not self.reads_url:
            return self.build(ctx, state, sel)
        if self.prop == "figure":
            return dcc.Graph(id=self.id, figure=self.build(ctx, state, sel), config=fmt.graph_config())
        return html.Div(self.build(ctx, state, sel), id=self.id)


PANELS = (
    Panel(ids.FICHE, "fiche", "Fiche du territoire", fiche_panel),
    Panel(ids.RANKING, "classement", "Classement (tableau accessible)", ranking_table),
    Panel(ids.REGIONS, "regions", "Régions", regional_table),
    Panel(ids.TIME, "temps", "Évolution", time_figure, prop="figure"),
    Panel(ids.BAROMETRE, "temps", "Évolution", barometre_block, prop="figure", reads_url=False),
)
#: Panels rebuilt by the view-state callback, in output order.
URL_PANELS = tuple(p for p in PANELS if p.reads_url)


def tabs_of() -> list[tuple[str, str, list[Panel]]]:
    """(tab_id, label, panels) in the order of :data:`PANELS`."""
    out: dict[str, tuple[str, list]] = {}
    for p in PANELS:
        out.setdefault(p.tab, (p.tab_label, []))[1].append(p)
    return [(tab, label, panels) for tab, (label, panels) in out.items()]


def initial_tab(state) -> str:
    """The fiche when a territory is selected, else the ranking."""
    return "fiche" if state.territoire else "classement"
