"""Place search over communes, EPCI and Territoires d'industrie. Pure: no Flask, no Dash.

Names are compared through :func:`geodata.normalize.name_key` (case, accents,
leading article, hyphens, apostrophes and spaces ignored), so "le malesherbois",
"ferte mace" and "pithiv" all find what a user means. An EPCI is also found by
its name without its legal form ("Pithiverais" for "Communauté de communes du
Pithiverais").

The index is built once per process from a :class:`~dashboard.data.DataContext`
(:class:`SearchIndex`) and then only read.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geodata.normalize import name_key, strip_accents

MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 100
DEFAULT_LIMIT = 10
MAX_LIMIT = 50

#: Rank of a match (lower is better).
EXACT, PREFIX, SUBSTRING = 0, 1, 2
#: Order of result types when rank and population are equal.
TYPE_ORDER = {"commune": 0, "epci": 1, "ti": 2}

_EPCI_FORM = re.compile(
    r"^\s*(communaute de communes|communaute d'agglomeration|communaute urbaine|"
    r"metropole europeenne|metropole|etablissement public territorial)\b"
    r"\s*(du |de la |de l'|des |de |d')?",
)


def json_scalar(value):
    """A JSON-serialisable scalar: None for missing values, Python int/float/str/bool."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, str):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def epci_short_key(nom) -> str:
    """Key of an EPCI name without its legal form ("" when it has none).

    Examples
    --------
    >>> epci_short_key("Communauté de communes du Pithiverais")
    'pithiverais'
    """
    if not isinstance(nom, str):
        return ""
    text = strip_accents(nom).lower().replace("’", "'")
    m = _EPCI_FORM.match(text)
    if not m:
        return ""
    return name_key(text[m.end():])


def clamp_limit(limit, default: int = DEFAULT_LIMIT) -> int:
    """Number of results to return: ``limit`` as an int in [1, MAX_LIMIT], ``default`` when unreadable."""
    try:
        n = int(str(limit).strip()) if limit is not None else default
    except (TypeError, ValueError):
        n = default
    return max(1, min(MAX_LIMIT, n))


@dataclass(frozen=True)
class _Entry:
    keys: tuple          # name keys (first is the full name's key)
    code_key: str        # lower-cased code, matched exactly
    population: int
    nom: str
    result: dict         # the JSON-ready result


class SearchIndex:
    """Search index over communes, EPCI and TI, built once from a data context.

    Parameters
    ----------
    ctx : dashboard.data.DataContext
        Uses ``ctx.communes``, ``ctx.epci`` and ``ctx.territoires``.

    Examples
    --------
    >>> index = SearchIndex(ctx)                       # doctest: +SKIP
    >>> index.search("le malesherbois")[0]["code"]     # doctest: +SKIP
    '45191'
    """

    def __init__(self, ctx):
        entries: list[_Entry] = []
        entries += self._communes(ctx.communes)
        entries += self._epci(ctx.epci)
        if getattr(ctx, "territoires", None) is not None and len(ctx.territoires):
            entries += self._territoires(ctx.territoires)
        self._entries = entries

    def __len__(self) -> int:
        return len(self._entries)

    # ------------------------------------------------------------------ build
    @staticmethod
    def _communes(communes: pd.DataFrame) -> list[_Entry]:
        cols = ("insee_com", "nom", "epci_siren", "ti_id_2019_2022", "ti_nom_2019_2022", "ti_id_2023_2027",
                "ti_nom_2023_2027", "code_region", "code_departement", "population")
        data = {c: (communes[c].tolist() if c in communes else [None] * len(communes)) for c in cols}
        out = []
        for i in range(len(communes)):
            row = {c: json_scalar(data[c][i]) for c in cols}
            nom = row["nom"] or ""
            pop = row["population"] or 0
            result = {"type": "commune", "code": row["insee_com"], "nom": nom,
                      **{c: row[c] for c in cols if c not in ("insee_com", "nom")}}
            out.append(_Entry((name_key(nom),), str(row["insee_com"] or "").lower(), int(pop), nom, result))
        return out

    @staticmethod
    def _epci(epci: pd.DataFrame) -> list[_Entry]:
        out = []
        for siren, row in epci.iterrows():
            nom = json_scalar(row.get("nom")) or ""
            pop = json_scalar(row.get("population")) or 0
            keys = tuple(k for k in dict.fromkeys((name_key(nom), epci_short_key(nom))) if k)
            result = {"type": "epci", "code": json_scalar(siren), "nom": nom, "type_epci": json_scalar(row.get("type")),
                      "code_region": json_scalar(row.get("code_region")),
                      "code_departement": json_scalar(row.get("code_departement")), "population": pop}
            out.append(_Entry(keys, str(siren).lower(), int(pop), nom, result))
        return out

    @staticmethod
    def _territoires(territoires: pd.DataFrame) -> list[_Entry]:
        out = []
        for row in territoires.to_dict("records"):
            nom = json_scalar(row.get("ti_nom")) or ""
            pop = json_scalar(row.get("population")) or 0
            result = {"type": "ti", "code": json_scalar(row.get("ti_id")), "nom": nom, "phase": json_scalar(row.get("phase")),
                      "code_region": json_scalar(row.get("code_region")), "population": pop,
                      "n_membres": json_scalar(row.get("n_membres"))}
            out.append(_Entry((name_key(nom),), str(row.get("ti_id") or "").lower(), int(pop), nom, result))
        return out

    # ------------------------------------------------------------------ query
    def search(self, query, limit=DEFAULT_LIMIT) -> list[dict]:
        """Places matching ``query``, best first.

        Parameters
        ----------
        query : str
            Free text. Shorter than 2 or longer than 100 characters (after
            trimming): no result. An exact INSEE code, SIREN or TI id also matches.
        limit : int, default 10
            At most this many results (clamped to [1, 50]).

        Returns
        -------
        list of dict
            Each with ``type`` ("commune", "epci" or "ti"), ``code``, ``nom`` and
            the fields of its type (see module doc); plain JSON values only.
            Ranked exact key match, then prefix, then substring; then by
            population (largest first), type and name.
        """
        if not isinstance(query, str):
            return []
        text = query.strip()
        if len(text) < MIN_QUERY_LENGTH or len(text) > MAX_QUERY_LENGTH:
            return []
        key = name_key(text)
        if len(key) < MIN_QUERY_LENGTH:
            return []
        code = text.lower()
        n = clamp_limit(limit)
        hits = []
        for e in self._entries:
            rank = None
            if e.code_key and e.code_key == code:
                rank = EXACT
            else:
                for k in e.keys:
                    if k == key:
                        rank = EXACT
                        break
                    if k.startswith(key):
                        r = PREFIX
                    elif key in k:
                        r = SUBSTRING
                    else:
                        continue
                    rank = r if rank is None else min(rank, r)
            if rank is not None:
                hits.append((rank, -e.population, TYPE_ORDER[e.result["type"]], e.nom, e.result))
        hits.sort(key=lambda h: h[:4])
        return [dict(h[4]) for h in hits[:n]]


def search_places(index: SearchIndex, query, limit=DEFAULT_LIMIT) -> list[dict]:
    """Functional alias of :meth:`SearchIndex.search`."""
    return index.search(query, limit)
