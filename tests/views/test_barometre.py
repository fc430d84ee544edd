"""France Relance barometer on the real bundle (dashboard/views/barometre.py)."""
import dataclasses

import pytest

from dashboard.views import barometre
from dashboard.model.data import DataContext


@pytest.fixture(scope="module")
def ctx(demo_bundle):
    return DataContext(demo_bundle)

@pytest.fixture(scope="module")
def baro(ctx):
    return barometre.BarometreData(ctx)

def test_barometre_months(ctx, baro):
    months = barometre.barometre_months(baro)
    assert months[0] == "2020-01" and months[-1] == "2022-12" and len(months) == 36
    assert months == sorted(months)


def test_barometre_figure(ctx, baro):
    source = ctx.bundle.barometre
    fig = barometre.barometre_figure(baro, "2021-09", None)
    choro = fig.data[0]
    assert choro.type == "choroplethmap"
    present = set(source["code_departement"])
    assert len(choro.locations) == len(present) and set(choro.locations) == present
    z = dict(zip(choro.locations, choro.z))
    for dep in ("69", "29"):
        expected = source[(source["code_departement"] == dep) & (source["date"] == "2021-09")]["valeur"].item()
        assert z[dep] == expected
    assert fig.layout.map.style == "white-bg" and "mapbox" not in fig.to_json()
    assert fig.layout.separators == ", "
    ids = {f["id"] for f in choro.geojson["features"]}
    assert present <= ids
    assert "somme des départements dépasse le chiffre national" in fig.layout.title.subtitle.text.replace("<br>", " ")
    assert "septembre 2021" in fig.layout.title.text
    # Colour scale fixed over months; zoom on a region.
    later = barometre.barometre_figure(baro, "2022-12", "84")
    assert later.data[0].zmax == choro.zmax and later.data[0].zmin == choro.zmin == 0
    assert later.layout.map.zoom > fig.layout.map.zoom
    hover = dict(zip(later.data[0].locations, later.data[0].customdata))
    assert "Rhône (69)" in hover["69"] and "entreprises bénéficiaires" in hover["69"]
    with pytest.raises(ValueError):
        baro.values("1999-01")


def test_barometre_accepts_data_context(ctx):
    assert barometre.barometre_months(ctx)[-1] == "2022-12"


def test_barometre_unavailable(demo_bundle):
    empty = demo_bundle.barometre.iloc[0:0]
    bundle = dataclasses.replace(demo_bundle, barometre=empty, manifest={
        **demo_bundle.manifest, "fonctionnalites_indisponibles": ["barometre"]})
    ctx = DataContext(bundle)
    assert barometre.barometre_months(ctx) == []
    fig = barometre.barometre_figure(ctx, None, None)
    texts = [a.text for a in fig.layout.annotations]
    assert "Baromètre indisponible : source absente (python -m geodata fetch ou TI_SOURCE_DIR)" in texts
    assert not fig.data
