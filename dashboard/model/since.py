"""« Depuis le dernier comité »: what changed since a reference date (URL ``depuis=AAAA-MM-JJ``).

Pure functions of (selection, date). A laureate counts as new when its date (the
decision or update date of the official file; the drawn date of the
demonstration set) is on or after the reference date. The selection itself is
unchanged: ``depuis`` highlights, it does not filter.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.model import fmt
from dashboard.model.catalog import KPI_METRICS
from dashboard.model.data import kpis
from dashboard.model.state import Choices



def since_mask(sel: pd.DataFrame, depuis: str | None) -> np.ndarray:
    """True for the laureates of ``sel`` dated on or after ``depuis`` (all False without a date)."""
    if not depuis:
        return np.zeros(len(sel), dtype=bool)
    dates = sel["date"].astype(object)
    return np.array([isinstance(d, str) and d[:10] >= depuis for d in dates], dtype=bool)


def since_laureates(sel: pd.DataFrame, depuis: str | None) -> pd.DataFrame:
    return sel[since_mask(sel, depuis)]


def since_kpis(sel: pd.DataFrame, depuis: str | None, choices: Choices) -> dict:
    """The KPI figures of the laureates decided since ``depuis`` (the change of each card)."""
    return kpis(since_laureates(sel, depuis), choices)


def _signed(text: str) -> str:
    return text if text.startswith(("-", "n.d.")) else f"+{text}"


def since_text(sel: pd.DataFrame, depuis: str | None, choices: Choices) -> str | None:
    """``+12 lauréats, +48,0 M€ d'investissement, +4,1 M€ d'aide, +300 emplois prévus depuis le 15 juin 2021``
    (None without a reference date): one part per KPI metric of the catalog with ``change_words``
    whose figure the data has."""
    if not depuis:
        return None
    k = since_kpis(sel, depuis, choices)
    parts = []
    for m in KPI_METRICS:
        if m.change_words is None or k.get(m.key) is None:
            continue
        value = k[m.key]
        words = m.change_words
        if m.aggregation == "count" and value <= 1:
            words = words.removesuffix("s")  # « +1 lauréat »
        parts.append(f"{_signed(m.format(value))} {words}")
    return f"{', '.join(parts)} depuis le {fmt.date_fr(depuis)}"
