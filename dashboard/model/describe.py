"""The view in French words: the filters sentence, the map's subtitle. Pure text
builders of ``(ctx, state)``, shared by the page, the slide image, the committee
deck and the spreadsheet export."""
from __future__ import annotations

from dashboard.model import fmt
from dashboard.model.catalog import FILTERS
from dashboard.model.state import ViewState

LEVEL_LABEL = {"epci": "par EPCI", "ti": "par Territoire d'industrie"}


def place(ctx, state: ViewState) -> str:
    """``France entière``, ``région Normandie`` or ``département Loiret``."""
    if state.departement and state.departement in ctx.departements.index:
        return f"département {ctx.departements.loc[state.departement, 'nom_departement']}"
    if state.region and state.region in ctx.regions.index:
        return f"région {ctx.regions.loc[state.region]}"
    return "France entière"


def filters_sentence(ctx, state: ViewState, n: int) -> str:
    """One sentence describing the selection: count, place and every filter, each filter of
    :data:`dashboard.model.catalog.FILTERS` saying its own part (``87 lauréats · région Occitanie · en zone AFR``)."""
    bits = [f"{fmt.integer(n)} lauréat{'s' if n > 1 else ''}", place(ctx, state)]
    for spec in FILTERS:
        if spec.name in ("region", "departement") or spec.sentence is None:
            continue  # the place
        value = tuple(getattr(state, p) for p in spec.params) if spec.kind == "range" else getattr(state, spec.name)
        if any(value) if spec.kind == "range" else value:
            bit = spec.sentence(ctx, state, value)
        else:
            bit = spec.default_sentence(ctx, state) if spec.default_sentence is not None else None
        if bit:
            bits.append(bit)
    return " · ".join(bits)


def metric_words(state: ViewState) -> str:
    """``Investissement (€) pour 10 000 habitants``."""
    return state.metric.label + (" pour 10 000 habitants" if state.par_hab else "")


def map_subtitle(ctx, state: ViewState, n: int) -> str:
    """What a map of the view shows: indicator, level, phase, then the filters sentence
    (``Emplois prévus pour 10 000 habitants, par Territoire d'industrie · phase 2023-2027 · …``)."""
    since = f" · changements depuis le {fmt.date_fr(state.depuis)}" if state.depuis else ""
    return (f"{metric_words(state)}, {LEVEL_LABEL[state.niveau]} · Territoires d'industrie {state.phase} · "
            f"{filters_sentence(ctx, state, n)}{since}")
