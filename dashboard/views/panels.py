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
        What the builder returns (``figure``: it is shown in a ``dcc.Graph`` of id ``id``,
        itself the child of a box :attr:`box_id`).
    reads_url : bool
        Rebuilt on a change of the view state, when its tab is open. False for a panel with
        its own callback (the barometer reads its slider); its builder then makes the
        whole block, inputs included.

    A panel is drawn when its tab opens (the page's first tab is drawn in the layout): the
    callback fills ``children`` of :attr:`box_id`, so a hidden tab holds no component and no figure.
    """

    id: str
    tab: str
    tab_label: str
    build: Callable
    prop: str = "children"
    reads_url: bool = True

    @property
    def box_id(self) -> str:
        """Id of the element whose ``children`` the panels callback fills."""
        return f"{self.id}-boite" if self.prop == "figure" else self.id

    def content(self, ctx, state, sel):
        """What goes in the box for ``state`` (a ``dcc.Graph`` for a figure)."""
        if self.prop == "figure":
            return dcc.Graph(id=self.id, figure=self.build(ctx, state, sel), config=fmt.graph_config())
        return self.build(ctx, state, sel)

    def place(self, ctx, state, sel, filled: bool = True):
        """The panel in the page: filled for ``state``, or an empty box (drawn when its tab opens)."""
        if not self.reads_url:
            return self.build(ctx, state, sel)
        return html.Div(self.content(ctx, state, sel) if filled else None, id=self.box_id)


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
