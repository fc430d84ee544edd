"""The spatial join of the build (:mod:`geodata.build.join`) on hand-built polygons: which
points fall in which polygon, and the nearest commune of a point just outside every one."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box

from geodata.build.join import NEAREST_MAX_METRES, join_laureates, points_in
from geodata.schema import ZONE_COLUMNS

SQUARE_WITH_HOLE = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], holes=[[(1, 1), (3, 1), (3, 3), (1, 3)]])
TWO_PARTS = MultiPolygon([box(10, 0, 11, 1), box(12, 0, 13, 1)])


def _brute_force(points, polygons) -> np.ndarray:
    return np.array([any(shapely.intersects(p, g) for g in polygons) for p in points])


def test_points_in_agrees_with_testing_every_pair():
    rng = np.random.default_rng(7)
    xy = rng.uniform(-1, 14, size=(400, 2))
    # on an outer edge, on a hole's edge, in the hole, on a corner, between the two parts
    special = [(0, 2), (1, 2), (2, 2), (4, 4), (11.5, 0.5), (12, 0.5)]
    points = gpd.GeoSeries([Point(x, y) for x, y in [*special, *xy]], crs=4326)
    zones = gpd.GeoDataFrame(geometry=[SQUARE_WITH_HOLE, TWO_PARTS], crs=4326)
    got = points_in(points, zones)
    assert got.dtype == bool and len(got) == len(points)
    assert list(got[:6]) == [True, True, False, True, False, True]  # boundaries count as inside
    assert (got == _brute_force(points, zones.geometry)).all()
    assert 0 < got.sum() < len(points)


def test_points_in_without_zones_or_points():
    points = gpd.GeoSeries([Point(0.5, 0.5)], crs=4326)
    empty = gpd.GeoDataFrame(geometry=[], crs=4326)
    assert list(points_in(points, None)) == [False]
    assert list(points_in(points, empty)) == [False]
    assert len(points_in(gpd.GeoSeries([], crs=4326), gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)], crs=4326))) == 0


def _communes(polygons: dict) -> gpd.GeoDataFrame:
    codes = list(polygons)
    return gpd.GeoDataFrame({"insee_com": codes, "epci_siren": [f"2000000{i:02d}" for i in range(len(codes))],
                             "code_departement": ["29"] * len(codes), "code_region": ["53"] * len(codes),
                             "nom": [f"Commune {c}" for c in codes]},
                            geometry=list(polygons.values()), crs=4326)


def _flags(codes) -> pd.DataFrame:
    out = pd.DataFrame({"insee_com": codes})
    for col in ZONE_COLUMNS:
        out[col] = pd.array([False] * len(codes), dtype="boolean")
    return out


def _laureates(lonlat) -> pd.DataFrame:
    return pd.DataFrame({"lon": [x for x, _ in lonlat], "lat": [y for _, y in lonlat],
                         "code_departement": ["29"] * len(lonlat), "nom_commune": ["?"] * len(lonlat)})


def test_point_off_the_coast_gets_the_nearest_commune_within_the_limit():
    """A point outside every commune takes the nearest one within NEAREST_MAX_METRES (Lambert-93),
    however many communes lie elsewhere; beyond that, none. Brittany's west coast (~48.4° N)."""
    coast = box(-4.50, 48.30, -4.40, 48.40)  # its west edge at 4.50° W
    far = {f"22{i:03d}": box(-3.0 + i * 0.01, 47.0, -3.0 + i * 0.01 + 0.009, 47.009) for i in range(200)}
    communes = _communes({"29019": coast, **far})
    metres_per_degree_lon = 111_320 * np.cos(np.radians(48.35))
    near_lon = -4.50 - 3_000 / metres_per_degree_lon   # ~3 km west of the coast
    out_lon = -4.50 - 7_000 / metres_per_degree_lon    # ~7 km west: too far
    lau = _laureates([(-4.45, 48.35), (near_lon, 48.35), (out_lon, 48.35), (-2.995, 47.004)])
    pts = join_laureates(lau, communes, None, None, _flags(communes["insee_com"]))
    assert list(pts["insee_com"].astype(object).where(pts["insee_com"].notna(), None)) == [
        "29019", "29019", None, "22000"]
    assert pts.loc[1, "epci_siren"] == communes.loc[0, "epci_siren"]
    # the limit itself, measured the way the join does (Lambert-93)
    gap = gpd.GeoSeries([Point(out_lon, 48.35)], crs=4326).to_crs(2154).distance(
        gpd.GeoSeries([coast], crs=4326).to_crs(2154)).iloc[0]
    assert gap > NEAREST_MAX_METRES


@pytest.mark.parametrize("lon, lat", [(55.45, -21.1), (-61.5, 16.2), (-56.2, 46.8), (2.3, 51.0), (-149.6, -17.5)])
def test_nearest_commune_as_if_every_commune_were_a_candidate(lon, lat):
    """La Réunion, Guadeloupe, Saint-Pierre, Dunkerque, Tahiti: points scattered up to ~7 km around a
    tiling of communes get the commune that the nearest-within-5-km join over *all* communes gives
    (the candidates are chosen in degrees around each point: the margin must hold where a degree of
    longitude is shortest, and through Lambert-93's distortion far from France)."""
    rng = np.random.default_rng(int(abs(lon * 100)))
    step = 0.02
    tiles = {f"97{i:03d}": box(lon + (i % 10) * step, lat + (i // 10) * step,
                               lon + (i % 10 + 1) * step - 0.002, lat + (i // 10 + 1) * step - 0.002)
             for i in range(60)}
    communes = _communes(tiles)
    lonlat = [(lon + x, lat + y) for x, y in zip(rng.uniform(-0.07, 0.27, 150), rng.uniform(-0.07, 0.19, 150))]
    pts = join_laureates(_laureates(lonlat), communes, None, None, _flags(communes["insee_com"]))
    # the oracle: in a commune, else the nearest of all of them within the limit
    points = gpd.GeoDataFrame(geometry=[Point(xy) for xy in lonlat], crs=4326)
    inside = gpd.sjoin(points, communes[["insee_com", "geometry"]], how="left", predicate="intersects")
    inside = inside[~inside.index.duplicated()]["insee_com"]
    nearest = gpd.sjoin_nearest(points.to_crs(2154), communes[["insee_com", "geometry"]].to_crs(2154),
                                how="left", max_distance=NEAREST_MAX_METRES)
    nearest = nearest[~nearest.index.duplicated()]["insee_com"]
    expected = [a if isinstance(a, str) else (b if isinstance(b, str) else None) for a, b in zip(inside, nearest)]
    got = [c if isinstance(c, str) else None for c in pts["insee_com"].astype(object)]
    assert got == expected
    assert sum(c is None for c in got) > 5 and sum(c is not None for c in got) > 50  # both cases occur
    outside = sum(1 for a, b in zip(inside, nearest) if not isinstance(a, str) and isinstance(b, str))
    assert outside > 5  # and points outside every commune found their nearest
