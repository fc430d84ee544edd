"""Fiche, comparison and ranking builders on the real bundle (pure functions)."""
import pytest

from dashboard.model.data import DataContext, filter_laureates
from dashboard.views.fiche import ranking_data, resolve_territory, ti_membership, member_communes, laureates_of
from dashboard.model.state import ViewState


@pytest.fixture(scope="module")
def ctx(demo_bundle):
    return DataContext(demo_bundle)


def test_resolve_epci_and_ti(ctx):
    e = resolve_territory(ctx, "200071850", "2019-2022")
    assert e.kind == "epci" and "Pithiverais" in e.nom and e.code_region == "24"
    t = resolve_territory(ctx, "ti-2406", "2019-2022")
    assert t.kind == "ti" and t.nom == "Pithiviers" and t.phase == "2019-2022"
    # a TI id asked in a phase where it does not exist is found in the other phase
    only_2023 = set(ctx.ti_table("2023-2027").index) - set(ctx.ti_table("2019-2022").index)
    code = sorted(only_2023)[0]
    assert resolve_territory(ctx, code, "2019-2022").phase == "2023-2027"
    assert resolve_territory(ctx, "999999999", "2019-2022") is None


def test_epci_membership_per_phase(ctx):
    e = resolve_territory(ctx, "200071850", "2019-2022")
    m = ti_membership(ctx, e)
    assert m["2019-2022"] == ["Pithiviers"]
    assert "45191" in set(member_communes(ctx, e)["insee_com"])  # Le Malesherbois


def test_ranking_is_sorted_and_counts_add_up(ctx):
    state = ViewState(region="84")
    sel = filter_laureates(ctx.laureats, state)
    df = ranking_data(ctx, state, sel)
    assert df["valeur"].is_monotonic_decreasing
    assert df["laureats"].sum() == len(sel)
    assert list(df["rang"]) == list(range(1, len(df) + 1))


def test_ti_laureates_match_the_flag(ctx):
    t = resolve_territory(ctx, "ti-2406", "2019-2022")
    lau = laureates_of(ctx.laureats, t)
    assert (lau["ti_nom_2019_2022"] == "Pithiviers").all()
    assert lau["in_ti_2019_2022"].all()
