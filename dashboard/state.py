"""The view state: every filter, the metric, the level, the phase and the
selected territory. The URL query string is the state; it is parsed and
built here and nowhere else.

Unknown parameters and invalid values never raise: they are dropped and
reported (in French) so the page can say which were ignored.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode

PHASES = ("2019-2022", "2023-2027")
NIVEAUX = ("epci", "ti")
INDICATEURS = ("laureats", "investissement", "aide", "emplois")
AMOUNT_INDICATEURS = ("investissement", "aide", "emplois")
ZONES = ("toute", "qpv", "afr", "zrr", "acv")
TI_CHOICES = ("dans", "hors")
MAX_VALUES = 50          # at most this many values for a multi-valued parameter
MAX_VALUE_LENGTH = 120   # longer values are ignored
MAX_QUERY_LENGTH = 4000  # longer query strings are cut


@dataclass(frozen=True)
class Choices:
    """Allowed values, taken from the data."""

    regions: frozenset = frozenset()
    departements: frozenset = frozenset()
    filieres: frozenset = frozenset()
    mesures: frozenset = frozenset()
    tailles: frozenset = frozenset()
    territoires: frozenset = frozenset()
    has_amounts: bool = True
    has_ti: bool = True
    has_zones: bool = True
    months: tuple = ()


def is_iso_date(text: str) -> bool:
    """``AAAA-MM-JJ`` and a real calendar day (``2021-02-30`` is not)."""
    if not (isinstance(text, str) and len(text) == 10 and text[4] == "-" and text[7] == "-"
            and text.replace("-", "").isdigit()):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class ViewState:
    region: str | None = None
    departement: str | None = None
    filiere: tuple = ()
    mesure: tuple = ()
    taille: tuple = ()
    zone: str | None = None
    ti: str | None = None
    phase: str = "2019-2022"
    niveau: str = "epci"
    indicateur: str = "laureats"
    par_hab: bool = False
    territoire: str | None = None
    comparer: str | None = None
    debut: str | None = None
    fin: str | None = None
    depuis: str | None = None  # reference date (last committee): what changed since then
    embed: bool = False

    # ------------------------------------------------------------------ parse
    @classmethod
    def from_query(cls, query, choices: Choices) -> tuple["ViewState", list[str]]:
        """Parse a query string (``"?a=1&b=2"``) or a mapping of lists.

        Returns
        -------
        (ViewState, list of French messages about ignored parameters)
        """
        if isinstance(query, str):
            q = query[1:] if query.startswith("?") else query
            pairs = parse_qsl(q[:MAX_QUERY_LENGTH], keep_blank_values=False)
        elif isinstance(query, Mapping):
            pairs = []
            for k, v in query.items():
                vals = v if isinstance(v, (list, tuple)) else [v]
                pairs += [(k, x) for x in vals]
        else:
            return cls(), ["paramètres illisibles ignorés"]
        grouped: dict[str, list[str]] = {}
        for k, v in pairs:
            grouped.setdefault(str(k), []).append(str(v))
        return cls.from_values(grouped, choices)

    @classmethod
    def from_values(cls, values: Mapping[str, Iterable], choices: Choices) -> tuple["ViewState", list[str]]:
        """Validate raw values (from the URL or from the filter controls)."""
        ignored: list[str] = []
        known = {f.name for f in fields(cls)}
        kw: dict = {}

        def bad(name, value, why="valeur inconnue"):
            shown = str(value)[:40]
            ignored.append(f"« {name}={shown} » ignoré ({why})")

        def clean_list(name) -> list[str]:
            raw = values.get(name)
            if raw is None:
                return []
            if isinstance(raw, (str, bytes, int, float, bool)):
                raw = [raw]
            if not isinstance(raw, (list, tuple)):
                bad(name, raw, "format inattendu")
                return []
            out = []
            for v in raw:
                if v is None or v == "":
                    continue
                if not isinstance(v, (str, int, float)) or isinstance(v, bool):
                    bad(name, v, "format inattendu")
                    continue
                s = str(v).strip()
                if len(s) > MAX_VALUE_LENGTH:
                    bad(name, s, "valeur trop longue")
                    continue
                out.append(s)
            if len(out) > MAX_VALUES:
                bad(name, f"{len(out)} valeurs", f"au plus {MAX_VALUES}")
                out = out[:MAX_VALUES]
            return out

        def single(name, allowed) -> str | None:
            vals = clean_list(name)
            if not vals:
                return None
            v = vals[-1]
            if v not in allowed:
                bad(name, v)
                return None
            return v

        def multi(name, allowed) -> tuple:
            out = []
            for v in clean_list(name):
                if v in allowed:
                    if v not in out:
                        out.append(v)
                else:
                    bad(name, v)
            return tuple(sorted(out))

        for name in values:
            if name not in known:
                ignored.append(f"paramètre inconnu « {str(name)[:40]} » ignoré")

        kw["region"] = single("region", choices.regions)
        kw["departement"] = single("departement", choices.departements)
        kw["filiere"] = multi("filiere", choices.filieres)
        kw["mesure"] = multi("mesure", choices.mesures)
        kw["taille"] = multi("taille", choices.tailles)
        zone = single("zone", ZONES)
        if zone and not choices.has_zones:
            bad("zone", zone, "zones prioritaires indisponibles")
            zone = None
        kw["zone"] = zone
        ti = single("ti", TI_CHOICES)
        if ti and not choices.has_ti:
            bad("ti", ti, "listes des Territoires d'industrie indisponibles")
            ti = None
        kw["ti"] = ti
        kw["phase"] = single("phase", PHASES) or cls.phase
        niveau = single("niveau", NIVEAUX) or cls.niveau
        if niveau == "ti" and not choices.has_ti:
            bad("niveau", niveau, "listes des Territoires d'industrie indisponibles")
            niveau = "epci"
        kw["niveau"] = niveau
        ind = single("indicateur", INDICATEURS) or cls.indicateur
        if ind in AMOUNT_INDICATEURS and not choices.has_amounts:
            bad("indicateur", ind, "montants absents des données")
            ind = "laureats"
        kw["indicateur"] = ind
        kw["par_hab"] = single("par_hab", ("1", "0", "true", "false")) in ("1", "true")
        kw["territoire"] = single("territoire", choices.territoires)
        kw["comparer"] = single("comparer", choices.territoires)
        months = set(choices.months)
        kw["debut"] = single("debut", months)
        kw["fin"] = single("fin", months)
        if kw["debut"] and kw["fin"] and kw["debut"] > kw["fin"]:
            bad("fin", kw["fin"], "avant le début")
            kw["fin"] = None
        depuis = clean_list("depuis")
        kw["depuis"] = None
        if depuis:
            if is_iso_date(depuis[-1]):
                kw["depuis"] = depuis[-1]
            else:
                bad("depuis", depuis[-1], "date attendue au format AAAA-MM-JJ")
        kw["embed"] = single("embed", ("1", "0", "true", "false")) in ("1", "true")
        return cls(**kw), ignored

    # ------------------------------------------------------------------ build
    def to_pairs(self, include_embed: bool = True) -> list[tuple[str, str]]:
        """Non-default values as (name, value) pairs, in a stable order."""
        default = ViewState()
        pairs: list[tuple[str, str]] = []
        for f in fields(self):
            if f.name == "embed" and not include_embed:
                continue
            v = getattr(self, f.name)
            if v == getattr(default, f.name):
                continue
            if isinstance(v, tuple):
                pairs += [(f.name, x) for x in v]
            elif isinstance(v, bool):
                pairs.append((f.name, "1"))
            else:
                pairs.append((f.name, str(v)))
        return pairs

    def to_query(self, include_embed: bool = True) -> str:
        """``"?region=27&zone=afr"`` (empty string for the default view)."""
        pairs = self.to_pairs(include_embed)
        return "?" + urlencode(pairs) if pairs else ""

    def with_(self, **changes) -> "ViewState":
        return replace(self, **changes)

    @property
    def amount_metric(self) -> bool:
        return self.indicateur in AMOUNT_INDICATEURS


FILTER_NAMES = ("region", "departement", "filiere", "mesure", "taille", "zone", "ti", "phase", "niveau",
                "indicateur", "par_hab", "debut", "fin", "depuis")
MULTI = ("filiere", "mesure", "taille")


def state_from_controls(values: Mapping[str, object], base: ViewState, choices: Choices):
    """Build a state from the filter controls' values (validated like a URL);
    parameters without a control (territoire, comparer, embed) come from ``base``."""
    raw: dict = {}
    for name, v in values.items():
        if name == "par_hab":
            raw[name] = ["1"] if v else []
        elif name in ("zone", "ti") and v in ("", "tous", None):
            raw[name] = []
        else:
            raw[name] = v if isinstance(v, (list, tuple)) else ([] if v is None else [v])
    state, ignored = ViewState.from_values(raw, choices)
    return state.with_(territoire=base.territoire, comparer=base.comparer, embed=base.embed), ignored
