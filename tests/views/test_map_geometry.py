"""The whole of France is drawn with coarser outlines (coverage-simplified at 0.025°: under a
pixel at that zoom, 2.4× fewer vertices to draw); a region or an overseas view gets the finer ones
(issue 20: 61k vertices at national zoom cost 240-275 ms of first paint)."""
from __future__ import annotations

import json

import pytest
import shapely

from dashboard import create_app
from dashboard.callbacks import view as cb
from dashboard.model.data import DataContext
from dashboard.model.state import ViewState
from dashboard.views.map_figure import TRACE_CHORO, TRACE_SELECTED, TRACE_TI, map_figure, map_patch


@pytest.fixture(scope="module")
def ctx(demo_bundle):
    return DataContext(demo_bundle)


def _vertices(body: bytes) -> int:
    return sum(int(shapely.get_num_coordinates(shapely.from_geojson(json.dumps(f["geometry"]))))
               for f in json.loads(body)["features"])


def _geo_names(fig_or_patch) -> dict:
    data = fig_or_patch["data"]
    return {i: data[i]["geojson"].split("geo/")[1].split(".geojson")[0]
            for i in (TRACE_CHORO, TRACE_TI, TRACE_SELECTED) if isinstance(data[i].get("geojson"), str)}


@pytest.mark.parametrize("name", ["epci", "ti-2023-2027"])
def test_france_outlines_are_coarser_with_the_same_features(ctx, name):
    fine, coarse = ctx.geo_bytes(name), ctx.geo_bytes(name + "-france")
    assert [f["id"] for f in json.loads(fine)["features"]] == [f["id"] for f in json.loads(coarse)["features"]]
    assert _vertices(coarse) <= 0.5 * _vertices(fine)


def test_the_france_view_draws_the_coarse_files_a_region_the_fine_ones(ctx):
    france, region = ViewState(), ViewState(region="24")
    ti = f"ti-{france.phase}"
    other = next(p for p in ("2019-2022", "2023-2027") if p != france.phase)
    assert set(_geo_names(map_figure(ctx, france, ctx.laureats).to_plotly_json()).values()) == {
        "epci-france", ti + "-france"}
    assert set(_geo_names(map_figure(ctx, region, ctx.laureats).to_plotly_json()).values()) == {"epci", ti}

    def patched(before, state):
        ops = map_patch(ctx, state, before, ctx.laureats).to_plotly_json()["operations"]
        return {op["location"][1]: op["params"]["value"].split("geo/")[1].split(".geojson")[0] for op in ops
                if op["operation"] == "Assign" and op["location"][0] == "data" and op["location"][2] == "geojson"}

    assert patched(france, region) == {TRACE_CHORO: "epci", TRACE_SELECTED: "epci", TRACE_TI: ti}
    assert patched(region, france) == {TRACE_CHORO: "epci-france", TRACE_SELECTED: "epci-france",
                                       TRACE_TI: ti + "-france"}
    assert patched(region, ViewState(region="84")) == {}  # same file: nothing sent again
    # a phase change at EPCI level moves the TI outlines to that phase's file too
    assert patched(france, ViewState(phase=other)) == {TRACE_TI: f"ti-{other}-france"}


def test_going_overseas_draws_the_fine_outlines(ctx):
    ops = cb.go_to_body(ctx, "971", ViewState()).to_plotly_json()["operations"]
    files = {op["location"][1]: op["params"]["value"] for op in ops if op["location"][-1] == "geojson"}
    assert files and all("-france" not in v for v in files.values())
    back = cb.go_to_body(ctx, "metropole", ViewState()).to_plotly_json()["operations"]
    assert all("-france" in op["params"]["value"] for op in back if op["location"][-1] == "geojson")


def test_the_coarse_files_are_served_cached_for_good(demo_bundle):
    app = create_app(demo_bundle)
    ctx = app._ti_context
    r = app.server.test_client().get(ctx.urls.geo("epci", "2023-2027", ctx.geo_version, True))
    assert r.status_code == 200 and r.data == ctx.geo_bytes("epci-france")
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_scope_files_hold_the_scope_only(demo_bundle):
    app = create_app(demo_bundle)
    ctx = app._ti_context
    client = app.server.test_client()
    region = json.loads(client.get(ctx.urls.geo("epci", "2019-2022", ctx.geo_version, scope="region-24")).data)
    ids = {f["id"] for f in region["features"]}
    assert ids == set(ctx.epci.index[ctx.epci["code_region"] == "24"])
    dep = json.loads(client.get(ctx.urls.geo("epci", "2019-2022", ctx.geo_version, scope="departement-45")).data)
    assert {f["id"] for f in dep["features"]} == set(ctx.epci.index[ctx.epci["code_departement"] == "45"])
    ti = json.loads(client.get(ctx.urls.geo("ti", "2019-2022", ctx.geo_version, scope="departement-45")).data)
    assert ti["features"] and len(ti["features"]) < len(json.loads(ctx.geo_bytes("ti-2019-2022"))["features"])
    for bad in ("epci-region-99", "epci-departement-xx", "epci-region-24-france", "communes"):
        assert client.get(f"/geo/{bad}.geojson").status_code == 404, bad


def test_geojson_bytes_is_the_geojson_document_on_hand_built_shapes():
    """The geometry files are written from GEOS's GeoJSON of each shape: the same bytes as the document
    built feature by feature and written compact (ids as strings, empty and missing shapes left out,
    coordinates rounded to ``precision``; an id with an accent or a quote escaped as json.dumps does);
    :func:`geojson` is that document."""
    import geopandas as gpd
    from dashboard.model.data import geojson, geojson_bytes
    shapes = gpd.GeoDataFrame({"code": [1, "2A", 'é"3', "vide", "rien"]}, geometry=[
        shapely.box(0.12345, 45.00049, 1.5, 46.2), shapely.Polygon([(2, 41), (3, 41.5), (2.5, 42.123456)]),
        shapely.MultiPolygon([shapely.box(5, 45, 6, 46), shapely.box(7, 45, 8, 46)]), shapely.Polygon(), None],
        crs="EPSG:4326")
    features = [{"type": "Feature", "id": str(fid), "properties": {},
                 "geometry": json.loads(shapely.to_geojson(shapely.set_precision(g, 0.001)))}
                for fid, g in zip(shapes["code"], shapes.geometry) if g is not None and not g.is_empty]
    doc = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
    out = geojson_bytes(shapes, "code")
    assert out == doc.encode()
    assert geojson(shapes, "code") == json.loads(doc)
    back = json.loads(out)
    assert [f["id"] for f in back["features"]] == ["1", "2A", 'é"3']
    assert back["features"][0]["geometry"]["coordinates"][0][0] in ([1.5, 45.0], [0.123, 45.0])
