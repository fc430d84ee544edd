"""The view state: every filter, the metric, the level, the phase and the
selected territory. The URL query string is the state; it is parsed and
built here and nowhere else, from the declarations of :mod:`dashboard.model.catalog`.

Unknown parameters and invalid values never raise: they are dropped and
reported (in French) so the page can say which were ignored.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode

from geodata.schema import PHASES

from dashboard.model.catalog import CONTROLS, FEATURES, METRIC_BY_KEY, PARAMETERS, spec_of

MAX_VALUES = 50          # at most this many values for a multi-valued parameter
MAX_VALUE_LENGTH = 120   # longer values are ignored
MAX_QUERY_LENGTH = 4000  # longer query strings are cut
FLAG_VALUES = ("1", "0", "true", "false")

_CHOICE_KEYS = frozenset(p.choices_key for p in PARAMETERS if p.choices_key)


class Choices:
    """Allowed values taken from the data, and the features the data lacks.

    Parameters
    ----------
    missing : iterable of str
        Features of :data:`dashboard.model.catalog.FEATURES` (or required by an
        indicator) absent from the data.
    has_amounts, has_ti, has_zones : bool
        Shorthands adding ``amounts``, ``ti``, ``zones`` to ``missing`` when False.
    **values : frozenset or tuple
        Allowed values by ``choices_key`` of the catalog (``regions``,
        ``filieres``, ``months``, ``territoires``…); absent keys allow nothing.
    """

    def __init__(self, missing: Iterable[str] = (), has_amounts: bool = True, has_ti: bool = True,
                 has_zones: bool = True, **values):
        unknown = set(values) - _CHOICE_KEYS
        if unknown:
            raise TypeError(f"Choices : clés inconnues {sorted(unknown)} (attendu parmi {sorted(_CHOICE_KEYS)})")
        miss = set(missing)
        for flag, feature in ((has_amounts, "amounts"), (has_ti, "ti"), (has_zones, "zones")):
            if not flag:
                miss.add(feature)
        self.missing = frozenset(miss)
        self._values = {k: values.get(k, frozenset()) for k in _CHOICE_KEYS}

    def values(self, key: str):
        return self._values[key]

    def has(self, feature: str | None) -> bool:
        return feature is None or feature not in self.missing

    def __getattr__(self, name):
        values = self.__dict__.get("_values", {})
        if name in values:
            return values[name]
        if name.startswith("has_"):
            return self.has(name[4:].replace("amounts", "amounts"))
        raise AttributeError(name)

    def __eq__(self, other):
        return isinstance(other, Choices) and (self.missing, self._values) == (other.missing, other._values)

    def __hash__(self):
        return hash((self.missing, tuple(sorted(self._values))))


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


def _missing_reason(feature: str) -> str:
    return FEATURES.get(feature) or f"{feature} absent des données"


def _parse(cls, values: Mapping[str, Iterable], choices: Choices) -> tuple[object, list[str]]:
    ignored: list[str] = []
    known = {f.name for f in fields(cls)}

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

    kw: dict = {}
    for spec in PARAMETERS:
        if spec.kind == "flag":
            kw[spec.name] = single(spec.name, FLAG_VALUES) in ("1", "true")
            continue
        if spec.kind == "date":
            given = clean_list(spec.name)
            kw[spec.name] = None
            if given and is_iso_date(given[-1]):
                kw[spec.name] = given[-1]
            elif given:
                bad(spec.name, given[-1], "date attendue au format AAAA-MM-JJ")
            continue
        allowed = spec.values if spec.values is not None else choices.values(spec.choices_key)
        if spec.kind == "multi":
            kw[spec.name] = multi(spec.name, allowed)
            continue
        if spec.kind == "range":
            start, end = spec.params
            allowed = set(allowed)
            kw[start], kw[end] = single(start, allowed), single(end, allowed)
            if kw[start] and kw[end] and kw[start] > kw[end]:
                bad(end, kw[end], "avant le début")
                kw[end] = None
            continue
        v = single(spec.name, allowed)
        need = getattr(spec, "requires", None) or (spec.value_requires(v) if v and spec.value_requires else None)
        if v and not choices.has(need):
            bad(spec.name, v, _missing_reason(need))
            v = None
        kw[spec.name] = v if v is not None else spec.default
    return cls(**kw), ignored


@dataclass(frozen=True)
class ViewState:
    """The view: one field per URL parameter of :data:`dashboard.model.catalog.PARAMETERS`, in the
    catalog's order, with the same defaults (``tests/model/test_state.py`` checks they agree)."""

    region: str | None = None
    departement: str | None = None
    filiere: tuple = ()
    mesure: tuple = ()
    taille: tuple = ()
    volet: tuple = ()
    zone: str | None = None
    ti: str | None = None
    phase: str = PHASES[0]
    niveau: str = "epci"
    indicateur: str = "laureats"
    par_hab: bool = False
    territoire: str | None = None
    comparer: str | None = None
    commune: str | None = None
    debut: str | None = None
    fin: str | None = None
    depuis: str | None = None
    embed: bool = False

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
        """Validate a mapping of parameter name → list of values (see :func:`_parse`)."""
        return _parse(cls, values, choices)

    def to_pairs(self, include_embed: bool = True) -> list[tuple[str, str]]:
        """Non-default values as (name, value) pairs, in a stable order."""
        default = type(self)()
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
    def metric(self):
        """The map's indicator (:class:`~dashboard.model.catalog.MetricSpec`)."""
        return METRIC_BY_KEY[self.indicateur]

    @property
    def amount_metric(self) -> bool:
        return METRIC_BY_KEY[self.indicateur].requires == "amounts"


def field_default(spec, name):
    """Default of a state field, as the catalog declares it."""
    if spec.kind == "multi":
        return ()
    if spec.kind == "flag":
        return False
    return spec.default


_NO_CHOICES = Choices()  # the embed flag needs no value from the data


def embed_requested(query: str) -> bool:
    """Does the page's query string ask for the embed view? The view's own parser decides (last value,
    ``1``/``true`` as written): the response headers and the layout cannot disagree."""
    return ViewState.from_query(query, _NO_CHOICES)[0].embed


#: Fields set by the filter panel's controls.
FILTER_NAMES = tuple(name for spec in CONTROLS for name in spec.params)
MULTI = tuple(spec.name for spec in CONTROLS if spec.multi)


def control_value(state, name: str):
    """Value a filter control shows for ``state``."""
    spec = spec_of(name)
    v = getattr(state, name)
    if spec.multi:
        return list(v)
    if getattr(spec, "empty_option", None):
        return v or ""
    return v


def state_from_controls(values: Mapping[str, object], base, choices: Choices):
    """Build a state from the filter controls' values (validated like a URL);
    parameters without a control (territoire, comparer, embed) come from ``base``."""
    raw: dict = {}
    for name, v in values.items():
        try:
            spec = spec_of(name) if isinstance(name, str) else None
        except KeyError:
            spec = None
        if spec is not None and spec.kind == "flag":
            raw[name] = ["1"] if v else []
        elif spec is not None and getattr(spec, "empty_option", None) and v in ("", "tous", None):
            raw[name] = []
        elif spec is not None and spec.kind == "single" and spec.values is not None and v in ("", "tous", None):
            raw[name] = []
        else:
            raw[name] = v if isinstance(v, (list, tuple)) else ([] if v is None else [v])
    state, ignored = ViewState.from_values(raw, choices)
    keep = {name: getattr(base, name) for spec in PARAMETERS if not spec.label for name in spec.params}
    return state.with_(**keep), ignored
