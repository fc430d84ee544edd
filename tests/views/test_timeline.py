"""Laureates per month on the real bundle (dashboard/views/timeline.py)."""
import pytest

from dashboard.views import timeline
from dashboard.model.data import DataContext, filter_laureates
from dashboard.model.state import ViewState


@pytest.fixture(scope="module")
def ctx(demo_bundle):
    return DataContext(demo_bundle)

def test_monthly_counts(ctx):
    mc = timeline.monthly_counts(ctx.laureats)
    assert mc["laureats"].sum() == len(ctx.laureats)
    assert list(mc["mois"]) == sorted(mc["mois"]) and mc["mois"].is_unique
    state = ViewState(region="84", debut="2021-01", fin="2021-03")
    sel = filter_laureates(ctx.laureats, state)
    mc = timeline.monthly_counts(sel)
    assert mc["laureats"].sum() == len(sel)
    assert mc["mois"].min() >= "2021-01" and mc["mois"].max() <= "2021-03"
    assert mc["investissement_eur"].sum() == pytest.approx(float(sel["investissement_eur"].sum()))
    assert timeline.monthly_counts(sel.iloc[0:0]).empty


def test_time_figure_highlights_period(ctx):
    state = ViewState(debut="2021-01", fin="2021-03")
    sel = filter_laureates(ctx.laureats, state)
    fig = timeline.time_figure(ctx, state, sel)
    bar = fig.data[0]
    colors = dict(zip(bar.x, bar.marker.color))
    assert colors["2021-02"] == timeline.COLOR_PERIOD and colors["2020-11"] == timeline.COLOR_OUTSIDE
    counts = dict(zip(bar.x, bar.y))
    assert sum(counts[m] for m in ("2021-01", "2021-02", "2021-03")) == len(sel)
    assert sum(bar.y) == len(ctx.laureats)  # months outside the period are shown (grey)
    assert "oct. 2020" in fig.layout.xaxis.ticktext
    assert fig.layout.separators == ", "
    assert "janvier 2021" in fig.layout.title.subtitle.text


def test_time_figure_empty_selection(ctx):
    fig = timeline.time_figure(ctx, ViewState(), ctx.laureats.iloc[0:0])
    assert any(a.text == "Aucun lauréat pour ces filtres" for a in fig.layout.annotations)
    assert sum(fig.data[0].y) == 0
