"""« Comparer avec… » in the fiche: a search-as-you-type among EPCI and Territoires
d'industrie that sets ``comparer`` in the URL, and the way out of a comparison.

``compare_control(ctx, state)`` builds the control (placed by the fiche);
``register_compare_callbacks(app, ctx)`` wires it (options from the place search
index, choice -> URL). Every value from the browser is validated server-side.
"""
from __future__ import annotations

from dash import Input, Output, State, dcc, html, no_update

from geodata.schema import PHASES

from dashboard.views import ids
from dashboard.model.state import ViewState

COMPARE = "comparer-avec"
EXIT_COMPARE = "quitter-comparaison"
MAX_OPTIONS = 12


def compare_control(ctx, state: ViewState, other_name: str | None = None):
    """The search box « Comparer avec… », and, during a comparison, the link that ends it."""
    children = [
        html.Label("Comparer avec…", htmlFor=COMPARE, className="small fw-semibold mb-1"),
        dcc.Dropdown(id=COMPARE, options=[], placeholder="Chercher un EPCI ou un Territoire d'industrie…",
                     searchable=True, clearable=True, className="comparer-avec"),
    ]
    if state.comparer:
        label = f"Quitter la comparaison{' avec ' + other_name if other_name else ''}"
        children.append(dcc.Link(label, id=EXIT_COMPARE, href=state.with_(comparer=None).to_query() or "?",
                                 className="btn btn-sm btn-outline-secondary mt-1"))
    return html.Div(children, className="comparer mb-2", style={"maxWidth": "32rem"})


def _label(r: dict) -> str:
    if r["type"] == "epci":
        return f"{r['nom']} (EPCI)"
    return f"{r['nom']} (Territoire d'industrie {r.get('phase')})"


def compare_options(ctx, text, current: str | None) -> list[dict]:
    """EPCI and TI matching ``text`` (at least 2 characters), the current territory excepted."""
    if not isinstance(text, str) or len(text.strip()) < 2:
        return []
    out = []
    for r in ctx.search_index.search(text[:100], 50):
        if r["type"] not in ("epci", "ti") or r["code"] == current:
            continue
        value = f"{r['type']}|{r['code']}|{r.get('phase') or ''}"
        if value not in (o["value"] for o in out):
            out.append({"label": _label(r), "value": value})
        if len(out) >= MAX_OPTIONS:
            break
    return out


def parse_compare_value(ctx, value) -> str | None:
    """The territory code of a chosen option, or None when invalid."""
    if not isinstance(value, str) or value.count("|") != 2 or len(value) > 60:
        return None
    kind, code, phase = value.split("|")
    if kind == "epci" and code in ctx.epci.index:
        return code
    if kind == "ti" and phase in PHASES and code in ctx.ti_table(phase).index:
        return code
    return None


def register_compare_callbacks(app, ctx) -> None:
    choices = ctx.choices

    @app.callback(
        Output(COMPARE, "options"),
        Input(COMPARE, "search_value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def options(text, search):
        state, _ = ViewState.from_query(search if isinstance(search, str) else "", choices)
        if not isinstance(text, str) or len(text.strip()) < 2:
            return no_update
        return compare_options(ctx, text, state.territoire)

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(COMPARE, "value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def choose(value, search):
        state, _ = ViewState.from_query(search if isinstance(search, str) else "", choices)
        code = parse_compare_value(ctx, value)
        if code is None or not state.territoire or code in (state.territoire, state.comparer):
            return no_update
        return state.with_(comparer=code).to_query()
