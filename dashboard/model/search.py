"""Place search over communes, EPCI and Territoires d'industrie. Pure: no Flask, no Dash.

Names are compared through :func:`geodata.read.normalize.name_key` (case, accents,
leading article, hyphens, apostrophes and spaces ignored), so "le malesherbois",
"ferte mace" and "pithiv" all find what a user means. An EPCI is also found by
its name without its legal form ("Pithiverais" for "Communauté de communes du
Pithiverais").

The index is built once per process from a :class:`~dashboard.model.data.DataContext`
(:class:`SearchIndex`) and then only read.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geodata.read.normalize import name_key, strip_accents

PHASES = ("2019-2022", "2023-2027")
_POSTCODE = re.compile(r"^\s*(\d{5}|2[ab]\d{3})\s*$", re.IGNORECASE)

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
    ctx : dashboard.model.data.DataContext
        Uses ``ctx.communes``, ``ctx.epci`` and ``ctx.territoires``.

    Examples
    --------
    >>> index = SearchIndex(ctx)                       # doctest: +SKIP
    >>> index.search("le malesherbois")[0]["code"]     # doctest: +SKIP
    '45191'
    """

    def __init__(self, ctx, postcodes: pd.DataFrame | None = None):
        entries: list[_Entry] = []
        entries += self._communes(ctx.communes)
        entries += self._epci(ctx.epci)
        if getattr(ctx, "territoires", None) is not None and len(ctx.territoires):
            entries += self._territoires(ctx.territoires)
        self._entries = entries
        if postcodes is None:
            from geodata.read.readers import read_postcodes
            postcodes = read_postcodes()
        commune_at = {e.result["code"]: e for e in entries if e.result["type"] == "commune"}
        by_postcode: dict[str, list[_Entry]] = {}
        for cp, insee in zip(postcodes["code_postal"], postcodes["insee_com"]):
            e = commune_at.get(insee)
            if e is not None and e not in by_postcode.setdefault(cp, []):
                by_postcode[cp].append(e)
        self._by_postcode = by_postcode

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
    def search(self, query, limit=DEFAULT_LIMIT, phase: str | None = None) -> list[dict]:
        """Places matching ``query``, best first.

        Parameters
        ----------
        query : str
            Free text. Shorter than 2 or longer than 100 characters (after
            trimming): no result. An exact INSEE code, SIREN or TI id also matches.
        limit : int, default 10
            At most this many results (clamped to [1, 50]).
        phase : str, optional
            Programme phase shown ("2019-2022" or "2023-2027"): its
            Territoires d'industrie come before those of the other phase.

        Returns
        -------
        list of dict
            Each with ``type`` ("commune", "epci" or "ti"), ``code``, ``nom`` and
            the fields of its type (see module doc); plain JSON values only.
            Ranked exact key match, then prefix, then substring; then by
            population (largest first), type and name. A known postal code (``45300``)
            gives the communes it serves (``code_postal`` set), largest first, and
            nothing else.
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
        served = self._by_postcode.get(text.upper(), []) if _POSTCODE.match(text) else []
        for e in served:  # a known postal code means its communes (not the INSEE code it may equal)
            hits.append((EXACT, 0, -e.population, TYPE_ORDER["commune"], e.nom, {**e.result, "code_postal": text}))
        for e in () if served else self._entries:
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
                other_phase = int(phase in PHASES and e.result["type"] == "ti" and e.result.get("phase") != phase)
                hits.append((rank, other_phase, -e.population, TYPE_ORDER[e.result["type"]], e.nom, e.result))
        hits.sort(key=lambda h: h[:5])
        return [dict(h[5]) for h in hits[:n]]


def search_places(index: SearchIndex, query, limit=DEFAULT_LIMIT, phase=None) -> list[dict]:
    """Functional alias of :meth:`SearchIndex.search`."""
    return index.search(query, limit, phase)


def result_label(r: dict, phase: str) -> str:
    """French label of a search result, naming the Territoire d'industrie of ``phase``.

    Examples
    --------
    >>> result_label({"type": "epci", "nom": "CC du Pithiverais"}, "2019-2022")
    'CC du Pithiverais (EPCI)'
    """
    if r["type"] == "commune":
        suffix = phase.replace("-", "_")
        ti = r.get(f"ti_nom_{suffix}")
        extra = f" — TI {ti} ({phase})" if ti else ""
        cp = f", {r['code_postal']}" if r.get("code_postal") else ""
        return f"{r['nom']} (commune, {r.get('code_departement') or ''}{cp}){extra}"
    if r["type"] == "epci":
        return f"{r['nom']} (EPCI)"
    return f"{r['nom']} (Territoire d'industrie {r.get('phase')})"


def result_value(r: dict) -> str:
    """Value of a result in the search dropdown: ``type|code|phase``."""
    return f"{r['type']}|{r['code']}|{r.get('phase') or ''}"


def dropdown_options(index: SearchIndex, text, phase: str, limit: int = 12) -> list[dict]:
    """Options of the search dropdown for the typed ``text``.

    Each option carries the typed text as its ``search`` key: the dropdown's
    own in-browser filter (substring match of every typed word) then keeps
    every answer of the server, whatever accents, hyphens or abbreviations the
    user typed ("pointe a pitre" for Pointe-à-Pitre, "45300" for its communes).
    """
    if not isinstance(text, str):
        return []
    text = text[:MAX_QUERY_LENGTH]
    return [{"label": result_label(r, phase), "value": result_value(r), "search": text}
            for r in index.search(text, limit, phase)]
