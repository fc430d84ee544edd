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
from dashboard.model.data import kpis



def since_mask(sel: pd.DataFrame, depuis: str | None) -> np.ndarray:
    """True for the laureates of ``sel`` dated on or after ``depuis`` (all False without a date)."""
    if not depuis:
        return np.zeros(len(sel), dtype=bool)
    dates = sel["date"].astype(object)
    return np.array([isinstance(d, str) and d[:10] >= depuis for d in dates], dtype=bool)


def since_laureates(sel: pd.DataFrame, depuis: str | None) -> pd.DataFrame:
    return sel[since_mask(sel, depuis)]


def since_kpis(sel: pd.DataFrame, depuis: str | None, has_amounts: bool) -> dict:
    """The KPI figures of the laureates decided since ``depuis`` (the change of each card)."""
    return kpis(since_laureates(sel, depuis), has_amounts)


def _signed(text: str) -> str:
    return text if text.startswith(("-", "n.d.")) else f"+{text}"


def since_text(sel: pd.DataFrame, depuis: str | None, has_amounts: bool) -> str | None:
    """``+12 lauréats, +48,0 M€ d'investissement, +4,1 M€ d'aide, +300 emplois prévus depuis le 15 juin 2021``
    (None without a reference date)."""
    if not depuis:
        return None
    k = since_kpis(sel, depuis, has_amounts)
    n = k["laureats"]
    parts = [f"+{fmt.integer(n)} lauréat{'s' if n > 1 else ''}"]
    if has_amounts:
        parts += [f"{_signed(fmt.euros(k['investissement']))} d'investissement",
                  f"{_signed(fmt.euros(k['aide']))} d'aide",
                  f"{_signed(fmt.integer(k['emplois']))} emplois prévus"]
    return f"{', '.join(parts)} depuis le {fmt.date_fr(depuis)}"
