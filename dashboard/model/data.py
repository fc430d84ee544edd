"""Selections and aggregates: pure functions of (data, state). No Dash here.

:class:`DataContext` holds what is computed once per process (plain frames,
look-ups, GeoJSON strings); nothing is joined in a callback.
"""
from __future__ import annotations

import json
import re
import logging
import threading
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import shapely

from geodata.bundle import CHANGES_FILE, QUARANTINE_FILE, Bundle
from geodata.read.laureates import MAX_VALUE, implausible
from geodata.schema import ANY_ZONE_COLUMN, PHASES, ZONE_COLUMNS, in_ti_column, is_ti_fund, ti_id_column

from dashboard.model import fmt
from dashboard.model.catalog import FEATURES, FILTERS, KPI_METRICS, METRICS, PARAMETERS, SCOPE_COLUMN, FilterSpec
from dashboard.model.state import Choices, ViewState
from dashboard.model.urls import OVERVIEW_SUFFIX, AppUrls

log = logging.getLogger("dashboard.model.data")

#: Overseas jump menu: name -> (lon, lat, zoom).
VIEWS = {
    "metropole": ("France métropolitaine", 2.4, 46.5, 4.9),
    "971": ("Guadeloupe", -61.55, 16.2, 8.3),
    "972": ("Martinique", -61.02, 14.65, 8.8),
    "973": ("Guyane", -53.2, 4.0, 6.2),
    "974": ("La Réunion", 55.53, -21.13, 8.6),
    "976": ("Mayotte", 45.15, -12.82, 9.4),
}


#: Geometry columns of the bundle's EPCI and TI tables: ``geometry`` (a region in view),
#: ``geometry_detail`` (exports, images) and ``geometry_overview`` (the whole of France in view).
GEOMETRY_COLUMNS = ["geometry", "geometry_detail", "geometry_overview"]


def scope_name(state) -> str | None:
    """The scope of the view's outlines (``departement-45``, ``region-24``), None for all France."""
    if state.departement:
        return f"departement-{state.departement}"
    return f"region-{state.region}" if state.region else None


def shows_france(state) -> bool:
    """Does the map of ``state`` open on the whole of France (no region or département)?"""
    return not state.region and not state.departement


def geojson_bytes(gdf, id_col: str, precision: float = 0.001) -> bytes:
    """GeoJSON FeatureCollection with feature ids (as strings) and no properties, as compact JSON bytes;
    coordinates rounded to ``precision``, missing and empty shapes left out. Written from GEOS's own
    GeoJSON of each shape, not parsed and written again (0.35 → 0.22 s of CPU for the files made at start)."""
    geoms = shapely.set_precision(gdf.geometry.to_numpy(), precision)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    ids_ = [json.dumps(str(fid)) for fid in gdf[id_col].to_numpy()[keep]]
    feats = ",".join(f'{{"type":"Feature","id":{i},"properties":{{}},"geometry":{g}}}'
                     for i, g in zip(ids_, shapely.to_geojson(geoms[keep])))
    return f'{{"type":"FeatureCollection","features":[{feats}]}}'.encode()


def geojson(gdf, id_col: str, precision: float = 0.001) -> dict:
    """The document of :func:`geojson_bytes`, for a figure that holds its geometry."""
    return json.loads(geojson_bytes(gdf, id_col, precision))


#: Zoom levels taken off an EPCI's fitted view: its neighbours and the nearest towns stay in sight.
EPCI_CONTEXT_ZOOM = 0.8


def bounds_view(bounds) -> tuple[float, float, float]:
    """(lon, lat, zoom) that shows a bounding box in a ~900x600 px map."""
    x0, y0, x1, y1 = bounds
    span = max(x1 - x0, (y1 - y0) * 1.6, 0.05)
    zoom = float(np.clip(np.log2(360 / span) + 0.3, 3, 11))
    return (x0 + x1) / 2, (y0 + y1) / 2, zoom


def drop_implausible_values(lau: pd.DataFrame) -> None:
    """Set to NA (in place, with a logged warning) the amounts and jobs that are not
    finite, negative or above :data:`geodata.read.laureates.MAX_VALUE`.

    The build refuses them; this keeps the app serving (no overflow in sums and
    integer conversions) with a bundle made otherwise or by an older version.
    """
    for col, top in MAX_VALUE.items():
        if col not in lau.columns:
            continue
        bad = implausible(lau[col])
        if bad.any():
            log.warning("%d valeur(s) invraisemblable(s) dans « %s » ignorée(s) (non finies, négatives ou "
                        "au-delà de %s).", int(bad.sum()), col, "aucun plafond" if top is None else f"{top:g}")
            lau[col] = lau[col].mask(bad)


@dataclass
class DataContext:
    """Everything the app reads, prepared once per process from a bundle."""

    bundle: Bundle
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: The app's URL prefixes (set by :func:`dashboard.create_app`; the default gives relative URLs).
    urls: AppUrls = field(default_factory=AppUrls)

    def once(self, key, make):
        """Value derived from the (read-only) data, computed on first use, once per process
        (thread-safe); never changed afterwards."""
        memo = self.__dict__.setdefault("_memo", {})
        if key not in memo:
            with self._lock:
                if key not in memo:
                    memo[key] = make()
        return memo[key]

    @property
    def search_index(self):
        """The place search index."""
        from dashboard.model.search import SearchIndex
        return self.once("search_index", lambda: SearchIndex(self))

    def __post_init__(self):
        b = self.bundle
        lau = pd.DataFrame(b.laureats.drop(columns="geometry"))
        for c in (*(in_ti_column(p) for p in PHASES), *ZONE_COLUMNS, ANY_ZONE_COLUMN):
            lau[c] = lau[c].astype("boolean")
        lau["mois"] = lau["date"].str.slice(0, 7)
        drop_implausible_values(lau)
        light = lau["mesure_light"] if "mesure_light" in lau.columns else pd.Series(None, index=lau.index)
        fund = np.array([is_ti_fund(m, lt) for m, lt in zip(lau["mesure"], light)], dtype=bool)
        #: The official file holds several measures, the TI fund among them: the app shows the
        #: fund by default (:data:`dashboard.model.catalog.SCOPE_COLUMN`); ``mesure=toutes`` shows all.
        #: The demonstration set (calibrated on all its rows) and one-measure files are not restricted.
        self.scope_restricted = bool(not b.demonstration and fund.any() and not fund.all())
        lau[SCOPE_COLUMN] = fund if self.scope_restricted else True
        #: Values of ``mesure`` that are the TI fund.
        self.fund_measures = tuple(sorted(set(lau.loc[fund, "mesure"].dropna())))
        # Plain Python strings: faster than Arrow-backed strings for the small, repeated
        # selections of the callbacks (isin, groupby on a few thousand rows).
        for c in lau.columns:
            if pd.api.types.is_string_dtype(lau[c]) and not isinstance(lau[c].dtype, pd.CategoricalDtype):
                lau[c] = lau[c].astype(object).where(lau[c].notna(), None)
        self.laureats = lau.reset_index(drop=True)
        self.manifest = b.manifest
        self.demonstration = b.demonstration
        #: Why the last rebuild failed (the bundle is the last good one), for the operator; public wording.
        self.rebuild_failure = fmt.public_message(b.rebuild_failure)
        self.has_ti = b.has("ti") and len(b.territoires) > 0
        self.has_zones = b.has("zones")
        self.has_amounts = self.has_feature("amounts")
        self.regions = b.regions.drop(columns="geometry").set_index("code_region")["nom_region"].sort_index()
        deps = b.departements.drop(columns="geometry")
        self.departements = deps.set_index("code_departement").sort_index()
        epci = pd.DataFrame(b.epci.drop(columns=GEOMETRY_COLUMNS))
        epci["epci_siren"] = epci["epci_siren"].astype(object)
        self.epci = epci.set_index("epci_siren")
        self.territoires = pd.DataFrame(b.territoires.drop(columns=GEOMETRY_COLUMNS))
        self.communes = pd.DataFrame(b.communes.drop(columns="geometry"))
        # EPCI touching each region / département (an EPCI may straddle a boundary)
        c = self.communes.dropna(subset=["epci_siren"])
        self.epci_by_region = {k: frozenset(v) for k, v in c.groupby("code_region")["epci_siren"]}
        self.epci_by_departement = {k: frozenset(v) for k, v in c.groupby("code_departement")["epci_siren"]}
        self.region_bounds = dict(zip(b.regions["code_region"], b.regions.geometry.bounds.to_numpy()))
        self.dep_bounds = dict(zip(b.departements["code_departement"], b.departements.geometry.bounds.to_numpy()))
        values = {}
        for spec in PARAMETERS:
            if spec.choices_key and spec.choices_key not in values:
                found = spec.data_choices(self) if isinstance(spec, FilterSpec) else frozenset(spec.choices(self))
                values[spec.choices_key] = tuple(sorted(found)) if spec.choices_key == "months" else found
        features = {m.requires for m in METRICS if m.requires} | set(FEATURES)
        self.choices = Choices(missing=[f for f in features if not self.has_feature(f)], **values)

    @property
    def quarantine_report(self) -> pd.DataFrame | None:
        """Rows of the official laureates file kept out of the map, with the reason
        (:data:`geodata.read.laureates.QUARANTINE_COLUMNS`); None without a report."""
        return self.once("quarantine_report", lambda: self.bundle.report(QUARANTINE_FILE))

    @property
    def changes_report(self) -> pd.DataFrame | None:
        """Laureates added, removed or modified since the previous official file
        (:data:`geodata.build.vintages.CHANGE_COLUMNS`); None without a previous file."""
        return self.once("changes_report", lambda: self.bundle.report(CHANGES_FILE)
                         if self.manifest.get("changements") else None)

    def has_feature(self, feature: str) -> bool:
        """``ti``, ``zones``: from the bundle's sources; any other feature: some indicator
        requiring it has a value in the laureates."""
        if feature == "ti":
            return self.has_ti
        if feature == "zones":
            return self.has_zones
        cols = [m.column for m in METRICS if m.requires == feature and m.column in self.laureats.columns]
        return any(bool(self.laureats[c].notna().any()) for c in cols)

    @cached_property
    def geo_version(self) -> str:
        """Changes with every bundle: appended to the GeoJSON URLs so browsers may cache them for good."""
        import hashlib
        key = f"{self.manifest.get('empreinte_sources')}|{self.manifest.get('date_construction')}"
        return hashlib.sha256(key.encode()).hexdigest()[:12]

    def geo_bytes(self, name: str) -> bytes | None:
        """Compact GeoJSON bytes for ``epci``, ``ti-2019-2022`` or ``ti-2023-2027``, each also with
        the suffix :data:`OVERVIEW_SUFFIX` (outlines for the whole of France) or a scope
        (``-region-24``, ``-departement-45``: the outlines of that scope only, for the embed view);
        None otherwise."""
        match = re.fullmatch(r"(epci|ti-2019-2022|ti-2023-2027)(-france|-region-(\w{2,3})|-departement-(\w{2,3}))?",
                             name)
        if not match or (match[1] != "epci" and not self.has_ti):
            return None
        base, region, dep = match[1], match[3], match[4]
        if (region and region not in self.choices.regions) or (dep and dep not in self.choices.departements):
            return None
        column = "geometry_overview" if match[2] == OVERVIEW_SUFFIX else "geometry"
        if base == "epci":
            table, id_col = self.bundle.epci, "epci_siren"
            if region or dep:
                table = table[table["code_region"] == region] if region else table[table["code_departement"] == dep]
        else:
            t = self.bundle.territoires
            table, id_col = t[t["phase"] == base[3:]], "ti_id"
            if region or dep:  # the TI of the region (of the département's region)
                table = table[table["code_region"] == (region or self.departements.loc[dep, "code_region"])]
        return self.once(("geo", name), lambda: geojson_bytes(table.set_geometry(column), id_col))

    @cached_property
    def region_lines(self) -> tuple[list, list]:
        """Region boundaries as line coordinates (lon, lat lists with None breaks), simplified
        (~2 km: a context line, not a boundary of record)."""
        return outline_lines(self.bundle.regions.geometry.simplify(0.02, preserve_topology=True), digits=2)

    def ti_table(self, phase: str) -> pd.DataFrame:
        """TI of a phase, indexed by ``ti_id`` (computed once per process)."""
        return self.once(("ti_table", phase),
                         lambda: self.territoires[self.territoires["phase"] == phase].set_index("ti_id"))

    def population(self, level: str, phase: str) -> pd.Series:
        if level == "ti":
            return self.ti_table(phase)["population"]
        return self.epci["population"]

    def territory_names(self, level: str, phase: str) -> pd.Series:
        if level == "ti":
            return self.ti_table(phase)["ti_nom"]
        return self.epci["nom"]

    @cached_property
    def commune_points(self) -> pd.DataFrame:
        """``nom``, ``epci_siren``, ``lon``, ``lat`` of every commune (its point in the bundle), by INSEE code."""
        c = self.bundle.communes
        return pd.DataFrame({"nom": c["nom"].to_numpy(), "epci_siren": c["epci_siren"].astype(object).to_numpy(),
                             "lon": shapely.get_x(c.geometry.values), "lat": shapely.get_y(c.geometry.values)},
                            index=pd.Index(c["insee_com"].to_numpy(), name="insee_com"))

    @cached_property
    def epci_bounds(self) -> dict:
        """(minx, miny, maxx, maxy) of each EPCI, by SIREN."""
        b = self.bundle.epci
        return dict(zip(b["epci_siren"].astype(str), b.geometry.bounds.to_numpy()))

    def searched_commune(self, state: ViewState) -> pd.Series | None:
        """The commune of ``state.commune`` (a row of :attr:`commune_points`) when it lies in the
        selected territory (its EPCI, or a TI it belongs to), else None."""
        if not state.commune or not state.territoire or state.commune not in self.commune_points.index:
            return None
        row = self.commune_points.loc[state.commune]
        if row["epci_siren"] == state.territoire:
            return row
        com = self.communes[self.communes["insee_com"] == state.commune]
        ti = {com[ti_id_column(p)].iloc[0] for p in PHASES} if len(com) else set()
        return row if state.territoire in ti else None

    def view_for(self, state: ViewState) -> tuple[float, float, float]:
        """Centre and zoom of the map: the searched commune's EPCI, else the département, the region,
        metropolitan France."""
        commune = self.searched_commune(state)
        if commune is not None and commune["epci_siren"] in self.epci_bounds:
            lon, lat, zoom = bounds_view(self.epci_bounds[commune["epci_siren"]])
            return lon, lat, zoom - EPCI_CONTEXT_ZOOM
        if state.departement and state.departement in self.dep_bounds:
            return bounds_view(self.dep_bounds[state.departement])
        if state.region and state.region in self.region_bounds:
            return bounds_view(self.region_bounds[state.region])
        return VIEWS["metropole"][1:]


def outline_lines(geoms, digits: int = 3, min_area: float = 0.0) -> tuple[list, list]:
    """Polygon outlines as (lon, lat) lists with None breaks, for a line trace.

    Rings enclosing less than ``min_area`` (square degrees: islets that would draw
    as dots) are left out; coordinates are rounded to ``digits`` decimals.
    """
    lons, lats = [], []
    for g in geoms:
        if g is None or g.is_empty:
            continue
        for ring in shapely.get_rings(shapely.get_parts(g)):
            if min_area and shapely.Polygon(ring).area < min_area:
                continue
            xy = np.round(np.asarray(ring.coords), digits)
            lons += xy[:, 0].tolist() + [None]
            lats += xy[:, 1].tolist() + [None]
    return lons, lats


# --------------------------------------------------------------------------- pure selections
def filter_laureates(lau: pd.DataFrame, state: ViewState) -> pd.DataFrame:
    """Rows of ``lau`` matching every filter of ``state`` (:data:`dashboard.model.catalog.FILTERS`).
    The same function serves the page, the KPI cards and the exports."""
    m = np.ones(len(lau), dtype=bool)
    for spec in FILTERS:
        keep = spec.row_mask(lau, state)
        if keep is not None:
            m &= keep
    return lau[m]


def row_state(state: ViewState) -> ViewState:
    """The part of ``state`` that selects rows in :func:`filter_laureates` (same rows for
    both): every filter of the catalog, and what a set filter reads (the phase, for the TI
    filter); the rest (level, indicator, territory, comparison, embed) back to its default."""
    kw = {}
    for spec in FILTERS:
        values = {name: getattr(state, name) for name in spec.params}
        kw.update(values)
        if any(values.values()):
            kw.update({name: getattr(state, name) for name in spec.reads})
    return ViewState(**kw)


def kpis(sel: pd.DataFrame, choices: Choices) -> dict:
    """Figures of the KPI cards, by metric key (:data:`dashboard.model.catalog.KPI_METRICS`).

    Parameters
    ----------
    sel : DataFrame
        Selected laureates. A metric whose column is not in ``sel`` is left out.
    choices : Choices
        What the data has (``ctx.choices``); a metric whose feature is missing is None.
    """
    if not isinstance(choices, Choices):
        raise TypeError(f"kpis : Choices attendu (ctx.choices), reçu {type(choices).__name__}")
    return {m.key: m.compute(sel, choices.has(m.requires))
            for m in KPI_METRICS if m.column is None or m.column in sel.columns}


def territory_key(state: ViewState) -> str:
    return "epci_siren" if state.niveau == "epci" else ti_id_column(state.phase)


def aggregate(sel: pd.DataFrame, state: ViewState, population: pd.Series) -> pd.Series:
    """Metric per territory (EPCI or TI) for the selected laureates, over all
    territories of the level (0 where none)."""
    key = territory_key(state)
    col = state.metric.column
    grouped = sel.groupby(key)
    values = grouped.size() if col is None else grouped[col].sum()
    out = values.reindex(population.index).fillna(0).astype(float)
    if state.par_hab:
        pop = population.replace(0, np.nan)
        out = (out / pop * 10_000).fillna(0)
    return out


def territories_in_scope(ctx: DataContext, state: ViewState) -> pd.Index:
    """Territories shown for the region/département filter (all when none)."""
    if state.niveau == "ti":
        t = ctx.ti_table(state.phase)
        if state.region:
            t = t[t["code_region"] == state.region]
        if state.departement:
            ids = ctx.bundle.ti_membres
            com = ctx.communes[ctx.communes["code_departement"] == state.departement]["insee_com"]
            keep = ids[(ids["phase"] == state.phase) & ids["insee_com"].isin(com)]["ti_id"].unique()
            t = t[t.index.isin(keep)]
        return t.index
    e = ctx.epci
    if state.region:
        e = e[e.index.isin(ctx.epci_by_region.get(state.region, frozenset()))]
    if state.departement:
        e = e[e.index.isin(ctx.epci_by_departement.get(state.departement, frozenset()))]
    return e.index
