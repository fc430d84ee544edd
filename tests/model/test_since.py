"""« Depuis le dernier comité »: the change since a reference date, on the demonstration bundle."""
import math

import pytest

from dashboard.model import fmt
from dashboard.model.data import DataContext, filter_laureates
from dashboard.views.map_figure import TRACE_SINCE, map_figure, map_patch
from dashboard.model.palette import COLOR_SINCE
from dashboard.model.since import since_kpis, since_mask, since_text
from dashboard.model.state import Choices, ViewState


@pytest.fixture(scope="module")
def ctx(demo_bundle):
    return DataContext(demo_bundle)


@pytest.mark.parametrize("depuis", ["2020-01-01", "2021-06-15", "2021-09-01", "2030-01-01"])
def test_since_counts_the_laureates_dated_on_or_after(ctx, depuis):
    sel = filter_laureates(ctx.laureats, ViewState(region="84"))
    expected = [d is not None and d >= depuis for d in sel["date"]]
    assert list(since_mask(sel, depuis)) == expected
    k = since_kpis(sel, depuis, ctx.choices)
    assert k["laureats"] == sum(expected)
    assert k["investissement"] == pytest.approx(sel.loc[expected, "investissement_eur"].sum())
    text = since_text(sel, depuis, ctx.choices)
    assert text.startswith(f"+{fmt.integer(sum(expected))} lauréat") and text.endswith(fmt.date_fr(depuis))
    assert f"+{fmt.euros(k['investissement'])} d'investissement" in text or k["investissement"] == 0


def test_no_reference_date_no_change(ctx):
    sel = filter_laureates(ctx.laureats, ViewState())
    assert not since_mask(sel, None).any() and since_text(sel, None, Choices()) is None


def test_map_rings_the_new_laureates(ctx):
    state = ViewState(region="84", depuis="2021-06-15")
    sel = filter_laureates(ctx.laureats, state)
    n = int(since_mask(sel, state.depuis).sum())
    fig = map_figure(ctx, state, sel)
    ring = fig.data[TRACE_SINCE]
    # a ring per new laureate: an opaque green disc, then the pin drawn again on it
    assert len(ring.lat) == 2 * n and n > 0 and not any(math.isnan(v) for v in ring.lat)
    assert list(ring.marker.color[:n]) == [COLOR_SINCE] * n and ring.marker.opacity == 1
    assert min(ring.marker.size[:n]) > max(ring.marker.size[n:])
    assert "décidé depuis le 15 juin 2021" in fig.layout.annotations[0].text
    # the selection is not filtered by the date
    assert sum(v for v in fig.data[0].z if not math.isnan(v)) == len(sel)
    # changing the date sends the new ring positions only
    later = state.with_(depuis="2021-09-01")
    body = map_patch(ctx, later, state, sel).to_plotly_json()
    locs = [tuple(op["location"]) for op in body["operations"]]
    assert ("data", TRACE_SINCE, "lat") in locs and ("data", 3, "lat") not in locs
    without = map_patch(ctx, state.with_(depuis=None), state, sel).to_plotly_json()
    lat = [op["params"]["value"] for op in without["operations"] if op["location"] == ["data", TRACE_SINCE, "lat"]]
    assert len(lat) == 1 and len(lat[0]) == 0


def test_barometre_change_between_the_two_months(ctx):
    from dashboard.views.barometre import BarometreData
    from dashboard.views.since_barometre import barometre_view, reference_month
    bar = BarometreData(ctx)
    assert bar.available
    assert reference_month(bar.months, "2021-06-15") == "2021-05"
    assert reference_month(bar.months, "2019-01-01") is None
    state = ViewState(depuis="2021-06-15")
    fig = barometre_view(bar, "2021-12", state)
    z = fig.data[0].z
    expected = (bar.pivot["2021-12"] - bar.pivot["2021-05"]).to_numpy(dtype=float)
    assert [None if math.isnan(e) else e for e in expected] == [None if v is None or math.isnan(v) else v
                                                                 for v in z]
    assert "changement depuis le 15 juin 2021" in fig.layout.title.text
    assert "entre fin mai 2021 et fin décembre 2021" in fig.layout.annotations[-1].text
    # without a reference date: the cumulative map as before
    plain = barometre_view(bar, "2021-12", ViewState())
    assert list(plain.data[0].z) == [None if math.isnan(v) else v for v in bar.pivot["2021-12"]]
    # a slider month before the reference: said, not a negative map
    early = barometre_view(bar, "2021-03", state)
    assert "choisir un mois après" in early.layout.annotations[-1].text


def test_since_with_the_official_file_dates(official_bundle):
    """The official format's « mise_a_jour » is the date compared (no amounts: the count only)."""
    from dashboard.exports.deck import build_deck, since_title
    octx = DataContext(official_bundle)
    sel = filter_laureates(octx.laureats, ViewState())
    depuis = sorted(sel["date"].dropna())[len(sel) // 2]
    n = int((sel["date"] >= depuis).sum())
    assert 0 < n < len(sel)
    text = since_text(sel, depuis, octx.choices)
    assert text == f"+{fmt.integer(n)} lauréat{'s' if n > 1 else ''} depuis le {fmt.date_fr(depuis)}"
    state = ViewState(depuis=depuis)
    titles = [s.shapes.title.text for s in build_deck(octx, state, "http://localhost/").slides]
    assert since_title(state) in titles and "DÉMONSTRATION" not in " ".join(titles)
