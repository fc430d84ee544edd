"""Every URL parameter, filter and indicator of the app, declared once.

Everything else is generated from these declarations: the view state and its
URL parsing (:mod:`dashboard.model.state`), the filter mask and the KPI figures
(:mod:`dashboard.model.data`), the filter controls, the summary sentence and the KPI
cards (:mod:`dashboard.views.layout`), the fields that refresh the pins
(:mod:`dashboard.views.map_figure`), the labels of the fiche and the ranking, and the
export columns (:mod:`dashboard.exports.tables`).

* :class:`FilterSpec` — a filter of the laureates (URL name, column, kind
  single / multi / range, where its allowed values come from, its control,
  its French label and summary sentence, its export column, the feature it
  requires).
* :class:`ParamSpec` — a URL parameter that is not a filter of the rows
  (phase, level, indicator, selected territory, embed).
* :class:`MetricSpec` — a figure computed over laureates (KPI card and/or map
  indicator): column, aggregation, unit and French format, labels.
* :data:`PARAMETERS` — every parameter in URL order (the order of the
  canonical query string); :data:`FILTERS`, :data:`METRICS`.

Priority zones are declared in :data:`geodata.schema.ZONES` (the build reads
them too). Callables here receive the app's data context (duck-typed: this
module imports no other module of the app but :mod:`dashboard.model.fmt`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from geodata.schema import ALL_MEASURES, ANY_ZONE_COLUMN, PHASES, TI_FUND, ZONES, in_ti_column

from dashboard.model import fmt

# =========================================================================== features
#: Parts of the data a parameter value or an indicator may require, with the French
#: reason given when the data lacks them. ``ti`` and ``zones`` come from the bundle's
#: sources; any other feature is "some indicator requiring it has a value".
FEATURES = {
    "ti": "listes des Territoires d'industrie indisponibles",
    "zones": "zones prioritaires indisponibles",
    "amounts": "montants absents des données",
    "co2": "tonnes de CO₂ absentes des données",
}


# =========================================================================== metrics
UNITS = {
    "integer": fmt.integer,
    "euros": fmt.euros,
    "percent": fmt.percent,
    "tonnes": fmt.tonnes,
}
#: Exact French value of each unit (the KPI card's tooltip): "5 400 000 000 €", "70,97 %".
EXACT_UNITS = {
    "integer": lambda v, m: f"{fmt.integer(v)} {m.card_label.lower()}",
    "euros": lambda v, m: f"{fmt.integer(v)} €",
    "percent": lambda v, m: f"{fmt.decimal(v * 100, 2)}{fmt.NBSP}% {m.card_label.lower()}",
    "tonnes": lambda v, m: f"{fmt.integer(v)} t",
}


@dataclass(frozen=True, kw_only=True)
class MetricSpec:
    """A figure computed over a selection of laureates.

    Attributes
    ----------
    key : str
        Value of ``indicateur=`` (when ``indicator``) and key of :func:`dashboard.model.data.kpis`;
        the KPI card's element id is ``kpi-<key with dashes>``.
    label : str
        French label with its unit (colour bar, ranking column).
    column : str or None
        Laureate column aggregated (None: the laureates are counted).
    aggregation : {"count", "sum", "share"}
        ``share``: mean of a boolean column (None when unknown everywhere).
    unit : {"integer", "euros", "percent", "tonnes"}
        French format (:data:`UNITS`); ``integer`` and ``tonnes`` sums are whole numbers.
    card_label, option_label, fiche_label : str
        KPI card, indicator menu, fiche comparison table header.
    table_label : str or None
        Column header in the fiche's list of laureates (None: not listed).
    kpi, indicator : bool
        Shown as a KPI card; choosable as the map's indicator.
    change_words : str or None
        Words after the signed change in the « depuis » line (``"d'investissement"``:
        « +48,0 M€ d'investissement »); None: not in that line (shares).
    requires : str or None
        Feature (:data:`FEATURES`) the figure needs; without it the figure is None and
        the indicator refused in the URL.
    """

    key: str
    label: str
    column: str | None
    aggregation: str
    unit: str
    card_label: str
    option_label: str
    fiche_label: str
    table_label: str | None = None
    kpi: bool = True
    indicator: bool = True
    change_words: str | None = None
    requires: str | None = None

    def __post_init__(self):
        if self.aggregation not in ("count", "sum", "share"):
            raise ValueError(f"MetricSpec {self.key!r} : agrégation {self.aggregation!r} inconnue "
                             "(attendu count, sum ou share)")
        if self.unit not in UNITS:
            raise ValueError(f"MetricSpec {self.key!r} : unité {self.unit!r} inconnue (attendu {sorted(UNITS)})")
        if (self.column is None) != (self.aggregation == "count"):
            raise ValueError(f"MetricSpec {self.key!r} : une colonne est attendue sauf pour count")

    @property
    def kpi_id(self) -> str:
        return "kpi-" + self.key.replace("_", "-")

    @property
    def whole(self) -> bool:
        """Whole numbers (counts, jobs, tonnes): integer ticks on the colour bar."""
        return self.unit in ("integer", "tonnes")

    def format(self, value) -> str:
        """French text of a value (``n.d.`` when missing)."""
        return UNITS[self.unit](value)

    def exact(self, value) -> str:
        """Exact French value (empty when missing): the KPI card's tooltip."""
        if value is None or value != value:
            return ""
        return EXACT_UNITS[self.unit](value, self)

    def compute(self, sel: pd.DataFrame, available: bool = True):
        """The figure over ``sel`` (None when the feature is missing or, for a share, unknown)."""
        if not available:
            return None
        if self.aggregation == "count":
            return int(len(sel))
        values = sel[self.column].to_numpy(dtype=float, na_value=np.nan)  # NumPy: faster than masked sums
        if self.aggregation == "share":  # unknown counts as outside; None when unknown everywhere
            known = ~np.isnan(values)
            return float(np.nansum(values) / len(values)) if len(values) and known.any() else None
        total = float(np.nansum(values))
        return int(total) if self.whole else total


METRICS = (
    MetricSpec(key="laureats", label="Lauréats", column=None, aggregation="count", unit="integer",
               card_label="Lauréats", option_label="Nombre de lauréats", fiche_label="Lauréats",
               change_words="lauréats"),
    MetricSpec(key="investissement", label="Investissement (€)", column="investissement_eur", aggregation="sum",
               unit="euros", card_label="Investissement", option_label="Investissement",
               fiche_label="Investissement", table_label="Investissement (€)", change_words="d'investissement",
               requires="amounts"),
    MetricSpec(key="aide", label="Aide publique (€)", column="montant_aide_eur", aggregation="sum", unit="euros",
               card_label="Aide publique", option_label="Aide publique", fiche_label="Aide",
               table_label="Aide (€)", change_words="d'aide", requires="amounts"),
    MetricSpec(key="emplois", label="Emplois prévus", column="emplois", aggregation="sum", unit="integer",
               card_label="Emplois prévus", option_label="Emplois", fiche_label="Emplois", table_label="Emplois",
               change_words="emplois prévus", requires="amounts"),
    MetricSpec(key="co2", label="CO₂ évité (t)", column="tonnes_equivalent_co2_pour_les_projets_decarbonation",
               aggregation="sum", unit="tonnes", card_label="CO₂ évité", option_label="Tonnes de CO₂ évitées",
               fiche_label="CO₂ évité", table_label="CO₂ évité (t)", change_words="de CO₂ évité", requires="co2"),
    MetricSpec(key="part_zone_prioritaire", label="Part en zone prioritaire", column=ANY_ZONE_COLUMN,
               aggregation="share", unit="percent", card_label="En zone prioritaire", option_label="",
               fiche_label="En zone prioritaire", indicator=False),
)
METRIC_BY_KEY = {m.key: m for m in METRICS}
INDICATORS = tuple(m for m in METRICS if m.indicator)
KPI_METRICS = tuple(m for m in METRICS if m.kpi)


# =========================================================================== parameters
@dataclass(frozen=True, kw_only=True)
class ParamSpec:
    """A URL parameter of the view that does not filter the laureates.

    Attributes
    ----------
    name : str
        URL parameter and :class:`~dashboard.model.state.ViewState` field.
    kind : {"single", "flag"}
    values : tuple or None
        Allowed values (None: taken from ``Choices`` under ``choices_key``).
    default
        Value when absent (never written to the URL).
    label : str or None
        Label of its control (None: no control, URL only).
    control : {"radio", "dropdown", "checkbox", "date"} or None
    options : callable (ctx, state) -> list of dict, optional
    value_requires : callable value -> feature or None, optional
        Feature a value needs (e.g. ``niveau=ti`` needs the TI lists).
    choices_key, choices : str, callable ctx -> iterable
        Allowed values taken from the data.
    refresh_pins : bool
        A change redraws the laureate pins (the phase moves the inside/outside split).
    section : int
        Group of the filter panel (a rule between groups).
    doc : str or None
        French description of its values in the README's table (None: written from
        ``kind``, ``values`` and ``default`` by :mod:`dashboard.model.docs`).
    """

    name: str
    kind: str = "single"  # "single" | "flag" | "date" (AAAA-MM-JJ)
    values: tuple | None = None
    default: object = None
    label: str | None = None
    control: str | None = None
    options: Callable | None = None
    value_requires: Callable | None = None
    choices_key: str | None = None
    choices: Callable | None = None
    refresh_pins: bool = False
    section: int = 0
    placeholder: str | None = None
    clearable: bool = False
    searchable: bool = False
    help_text: str | None = None
    doc: str | None = None

    @property
    def params(self) -> tuple:
        return (self.name,)

    @property
    def multi(self) -> bool:
        return False

    def allowed(self, choices):
        return () if self.kind in ("flag", "date") else (self.values if self.values is not None
                                               else choices.values(self.choices_key))


@dataclass(frozen=True, kw_only=True)
class FilterSpec:
    """A filter of the laureates: the page, the KPIs, the map and the exports all
    use the same mask (:func:`dashboard.model.data.filter_laureates`).

    Attributes
    ----------
    name : str
        URL parameter (``kind="range"``: the two parameters are ``params``).
    label : str
        French label of its control.
    kind : {"single", "multi", "range"}
    column : str or None
        Laureate column compared (``single``: equal, ``multi``: one of, ``range``:
        between); None when ``mask`` is given.
    choices_key, choices : str, callable ctx -> iterable
        Allowed values taken from the data (default: the column's values).
    values : tuple or None
        Fixed allowed values instead of ``choices``.
    control : {"dropdown", "radio"}
    options : callable (ctx, state) -> list of dict, optional
        Options of the control (default: the allowed values, sorted, as labels).
    sentence : callable (ctx, state, value) -> str or None
        Part of the summary sentence when the filter is set (region and département: the
        sentence's place, :func:`dashboard.model.describe.place`).
    export_column : str or None
        Column of the CSV/GeoJSON exports (added after the base columns if new).
    requires : str or None
        Feature of :data:`FEATURES` the filter needs (refused in the URL without it).
    mask : callable (laureates, state) -> bool array, optional
        For filters that are not a plain comparison of ``column``.
    range_params : tuple
        The two URL parameters of a ``range`` filter (start, end).
    reads : tuple
        Other state fields the mask reads when the filter is set (the TI filter reads the phase).
    doc : str or None
        French description of its values in the README's table (None: written from
        ``kind``, ``values`` and ``column`` by :mod:`dashboard.model.docs`).
    default_mask : callable (laureates, state) -> bool array or None, optional
        Rows kept when the filter is *not* set (the measure filter: the programme's scope).
    default_sentence : callable (ctx, state) -> str or None, optional
        Part of the summary sentence when the filter is not set (says the default scope).
    """

    name: str
    label: str
    kind: str
    column: str | None = None
    choices_key: str | None = None
    choices: Callable | None = None
    values: tuple | None = None
    control: str = "dropdown"
    options: Callable | None = None
    sentence: Callable | None = None
    export_column: str | None = None
    requires: str | None = None
    mask: Callable | None = None
    range_params: tuple = ()
    placeholder: str | tuple = "Toutes"
    empty_option: str | None = None
    section: int = 0
    reads: tuple = ()
    doc: str | None = None
    default_mask: Callable | None = None
    default_sentence: Callable | None = None

    refresh_pins = True
    help_text = None
    value_requires = None
    default = None
    clearable = True
    searchable = True

    @property
    def params(self) -> tuple:
        return self.range_params if self.kind == "range" else (self.name,)

    @property
    def multi(self) -> bool:
        return self.kind == "multi"

    def allowed(self, choices) -> frozenset | tuple:
        if self.values is not None:
            return self.values
        return choices.values(self.choices_key)

    def data_choices(self, ctx):
        """Allowed values computed from the data (None for fixed values)."""
        if self.values is not None:
            return None
        if self.choices is not None:
            return frozenset(self.choices(ctx))
        return frozenset(ctx.laureats[self.column].dropna().unique())

    def row_mask(self, lau: pd.DataFrame, state) -> np.ndarray | None:
        """Boolean mask of the rows kept (None when the filter is not set)."""
        if self.kind == "range":
            start, end = (getattr(state, p) for p in self.range_params)
            if not (start or end):
                return None
            m = np.ones(len(lau), dtype=bool)
            if start:
                m &= (lau[self.column] >= start).fillna(False).to_numpy(dtype=bool)
            if end:
                m &= (lau[self.column] <= end).fillna(False).to_numpy(dtype=bool)
            return m
        value = getattr(state, self.name)
        if not value:
            return self.default_mask(lau, state) if self.default_mask is not None else None
        if self.mask is not None:
            return self.mask(lau, state)
        if self.kind == "multi":
            return lau[self.column].isin(value).to_numpy()
        return (lau[self.column] == value).to_numpy()


# --------------------------------------------------------------------------- helpers
def _sorted_options(ctx, spec) -> list[dict]:
    return [{"label": v, "value": v} for v in sorted(spec.allowed(ctx.choices))]


def _list_sentence(prefix: str):
    return lambda ctx, state, value: prefix + ", ".join(value)


def _region_options(ctx, state) -> list[dict]:
    return [{"label": name, "value": code}
            for code, name in sorted(ctx.regions.items(), key=lambda item: fmt.sort_key(item[1]))]


def departement_options(ctx, region: str | None) -> list[dict]:
    """Départements (of ``region`` when given), « 45 — Loiret »."""
    deps = ctx.departements
    if region:
        deps = deps[deps["code_region"] == region]
    return [{"label": f"{code} — {r.nom_departement}", "value": code} for code, r in deps.iterrows()]


ZONE_LABEL = {"toute": "toute zone prioritaire", **{z.key: z.label for z in ZONES}}


def _zone_mask(lau, state) -> np.ndarray:
    col = ANY_ZONE_COLUMN if state.zone == "toute" else state.zone
    return lau[col].fillna(False).to_numpy(dtype=bool)


def _ti_mask(lau, state) -> np.ndarray:
    inside = lau[in_ti_column(state.phase)].fillna(False).to_numpy(dtype=bool)
    return inside if state.ti == "dans" else ~inside


def _period_sentence(ctx, state, value) -> str:
    return (f"de {fmt.month(state.debut) if state.debut else 'l’origine'} à "
            f"{fmt.month(state.fin) if state.fin else 'aujourd’hui'}")


def _month_options(ctx, state) -> list[dict]:
    return [{"label": fmt.month(m), "value": m} for m in ctx.choices.months]


def _indicator_options(ctx, state) -> list[dict]:
    """The indicator menu; an indicator whose data is absent is shown disabled, with its reason."""
    out = []
    for m in INDICATORS:
        o = {"label": m.option_label, "value": m.key}
        if m.requires:
            o["disabled"] = not ctx.choices.has(m.requires)
            if o["disabled"]:
                reason = unavailable_reason(m.requires)
                o["label"] = f"{m.option_label} (indisponible : {reason})"
                o["title"] = f"Indisponible : {reason}"
        out.append(o)
    return out


def unavailable_reason(feature: str) -> str:
    """French reason a figure needing ``feature`` is not available (« montants absents des données »)."""
    return FEATURES.get(feature) or f"{feature} absent des données"


# =========================================================================== the catalog
REGION = FilterSpec(name="region", label="Région", kind="single", column="code_region", choices_key="regions",
                    choices=lambda ctx: ctx.regions.index, options=_region_options,
                    export_column="code_region", doc="code INSEE de la région (`27`, `84`, `01`…)")
DEPARTEMENT = FilterSpec(name="departement", label="Département", kind="single", column="code_departement",
                         choices_key="departements", choices=lambda ctx: ctx.departements.index,
                         options=lambda ctx, state: departement_options(ctx, state.region),
                         export_column="code_departement", placeholder="Tous",
                         doc="code INSEE du département (`45`, `2A`, `971`…)")
FILIERE = FilterSpec(name="filiere", label="Filière", kind="multi", column="filiere", choices_key="filieres",
                     sentence=_list_sentence("filière "), export_column="filiere")
#: Laureate column (boolean, set by :class:`dashboard.model.data.DataContext`): in the programme's
#: default scope — the TI fund when the official file holds several measures, every row otherwise.
SCOPE_COLUMN = "perimetre_programme"


def _restricted(ctx) -> bool:
    """Does the data context show the TI fund by default (a file of several measures)?"""
    return bool(getattr(ctx, "scope_restricted", False))


def _scope_mask(lau, state) -> np.ndarray | None:
    if SCOPE_COLUMN not in lau.columns:
        return None
    scope = lau[SCOPE_COLUMN].to_numpy(dtype=bool)
    return None if scope.all() else scope


def _mesure_mask(lau, state) -> np.ndarray | None:
    chosen = [v for v in state.mesure if v != ALL_MEASURES]
    return lau["mesure"].isin(chosen).to_numpy() if chosen else None


def _mesure_sentence(ctx, state, value) -> str | None:
    chosen = [v for v in value if v != ALL_MEASURES]
    if chosen:
        return "mesure " + ", ".join(chosen)
    return "toutes les mesures de France Relance" if _restricted(ctx) else None


def _mesure_options(ctx, state) -> list[dict]:
    measures = sorted(v for v in MESURE.allowed(ctx.choices) if v != ALL_MEASURES)
    first = [{"label": "Toutes les mesures", "value": ALL_MEASURES}] if _restricted(ctx) else []
    return first + [{"label": v, "value": v} for v in measures]


MESURE = FilterSpec(name="mesure", label="Mesure", kind="multi", column="mesure", choices_key="mesures",
                    choices=lambda ctx: set(ctx.laureats["mesure"].dropna()) | {ALL_MEASURES},
                    options=_mesure_options, mask=_mesure_mask, default_mask=_scope_mask,
                    sentence=_mesure_sentence, export_column="mesure",
                    default_sentence=lambda ctx, state: f"{TI_FUND.label} seulement (autres mesures : « Toutes "
                                                        "les mesures »)" if _restricted(ctx) else None,
                    placeholder=lambda ctx: "Fonds Territoires d'industrie (par défaut)" if _restricted(ctx)
                    else "Toutes",
                    doc=f"valeurs de la colonne `mesure` des données, répétables, ou `{ALL_MEASURES}` ; sans ce "
                        f"paramètre, le {TI_FUND.label} seul quand le fichier contient plusieurs mesures")
TAILLE = FilterSpec(name="taille", label="Taille d'entreprise", kind="multi", column="type_entreprise", choices_key="tailles",
                    sentence=_list_sentence("entreprises "), export_column="type_entreprise")
VOLET = FilterSpec(name="volet", label="Volet de France Relance", kind="multi", column="volet_relance", choices_key="volets",
                   sentence=_list_sentence("volet "), export_column="volet_relance")
ZONE = FilterSpec(name="zone", label="Zone prioritaire", kind="single", values=tuple(ZONE_LABEL), requires="zones",
                  mask=_zone_mask, sentence=lambda ctx, state, v: f"en {ZONE_LABEL[v]}",
                  options=lambda ctx, state: [{"label": lab[0].upper() + lab[1:], "value": v}
                                              for v, lab in ZONE_LABEL.items()],
                  export_column=ANY_ZONE_COLUMN)
TI = FilterSpec(name="ti", label="Territoire d'industrie", kind="single", values=("dans", "hors"), requires="ti", control="radio",
                mask=_ti_mask, empty_option="Tous", reads=("phase",),
                options=lambda ctx, state: [{"label": "Dans un TI", "value": "dans"},
                                            {"label": "Hors TI", "value": "hors"}],
                sentence=lambda ctx, state, v: f"{v} un Territoire d'industrie ({state.phase})")
PHASE = ParamSpec(name="phase", values=PHASES, default=PHASES[0], label="Phase du programme", control="radio",
                  options=lambda ctx, state: [{"label": p, "value": p, "disabled": not ctx.has_ti} for p in PHASES],
                  refresh_pins=True)
NIVEAU = ParamSpec(name="niveau", values=("epci", "ti"), default="epci", label="Carte par", control="radio",
                   value_requires=lambda v: "ti" if v == "ti" else None, section=1,
                   options=lambda ctx, state: [{"label": "EPCI", "value": "epci"},
                                               {"label": "Territoire d'industrie", "value": "ti",
                                                "disabled": not ctx.has_ti}])
INDICATEUR = ParamSpec(name="indicateur", values=tuple(m.key for m in INDICATORS), default=INDICATORS[0].key,
                       label="Indicateur", control="dropdown", options=_indicator_options, section=1,
                       value_requires=lambda v: METRIC_BY_KEY[v].requires)
PAR_HAB = ParamSpec(name="par_hab", kind="flag", default=False, label="pour 10 000 habitants", control="checkbox",
                    section=1)
TERRITOIRE = ParamSpec(name="territoire", choices_key="territoires",
                       choices=lambda ctx: frozenset(ctx.epci.index) | frozenset(ctx.territoires["ti_id"]),
                       doc="SIREN d'un EPCI ou identifiant d'un TI (`ti-2406`) : sa fiche")
COMPARER = ParamSpec(name="comparer", choices_key="territoires",
                     doc="SIREN d'un EPCI ou identifiant d'un TI : comparé au territoire de `territoire`")
#: The commune searched (INSEE code): marked on the map, its EPCI in view, the projects around it in the fiche.
COMMUNE = ParamSpec(name="commune", choices_key="communes",
                    choices=lambda ctx: frozenset(ctx.communes["insee_com"]),
                    doc="code INSEE de la commune cherchée (`45252`) : marquée sur la carte, son EPCI en vue, "
                        "les projets autour d'elle dans la fiche (avec `territoire` = son EPCI)")
PERIODE = FilterSpec(name="periode", label="Période", kind="range", column="mois", choices_key="months",
                     choices=lambda ctx: ctx.laureats["mois"].dropna().unique(), range_params=("debut", "fin"),
                     options=_month_options, sentence=_period_sentence, placeholder=("Début", "Fin"), section=2,
                     doc="mois `AAAA-MM` des données, bornes comprises (`debut` ≤ `fin`, l'une ou l'autre)")
DEPUIS = ParamSpec(name="depuis", kind="date", label="Depuis le dernier comité", control="date", section=2,
                   help_text="Entoure les lauréats décidés depuis cette date et chiffre le changement.")
EMBED = ParamSpec(name="embed", kind="flag", default=False,
                  doc="`1` (ou `true`) : vue en lecture seule pour un cadre `<iframe>` (carte, légende, chiffres, "
                      "sources) ; répété, la dernière valeur compte")

#: Every URL parameter, in the order of the canonical query string.
PARAMETERS = (REGION, DEPARTEMENT, FILIERE, MESURE, TAILLE, VOLET, ZONE, TI, PHASE, NIVEAU, INDICATEUR, PAR_HAB,
              TERRITOIRE, COMPARER, COMMUNE, PERIODE, DEPUIS, EMBED)
FILTERS = tuple(p for p in PARAMETERS if isinstance(p, FilterSpec))
#: Specs with a control in the filter panel, in panel order.
CONTROLS = tuple(p for p in PARAMETERS if p.label)
#: State fields whose change redraws the pins (every filter, and the phase).
PIN_FIELDS = tuple(name for p in PARAMETERS if p.refresh_pins for name in p.params)
#: Export columns declared by the catalog (filters' columns, then the indicators').
CATALOG_EXPORT_COLUMNS = tuple(dict.fromkeys(
    [f.export_column for f in FILTERS if f.export_column] + [m.column for m in METRICS if m.column]))
#: French headers of those columns (spreadsheet export): the filter's or the indicator's label.
CATALOG_EXPORT_HEADERS = {**{m.column: m.label for m in METRICS if m.column},
                          **{f.export_column: f.label for f in FILTERS if f.export_column}}


def control_params() -> tuple:
    """Names of the controls' values (the ``name`` of their pattern-matching ids)."""
    return tuple(name for p in CONTROLS for name in p.params)


def spec_of(name: str):
    """The spec owning a URL parameter / state field."""
    for p in PARAMETERS:
        if name in p.params:
            return p
    raise KeyError(name)
