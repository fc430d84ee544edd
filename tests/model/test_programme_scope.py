"""Issue 16: the programme's scope on a file of the official shape (GENERATED test data, see
tests/support/official_file.py): the TI fund by default, ``mesure=toutes`` for every measure,
the summary sentence, the published figures, amounts disabled and CO₂ from the official column."""
from __future__ import annotations

import pytest

from dashboard.model.data import DataContext, filter_laureates, kpis
from dashboard.model.describe import filters_sentence
from dashboard.model.state import ViewState
from dashboard.views.regional import published_applicable, regional_table_data
from geodata.schema import TI_FUND, is_ti_fund


@pytest.fixture(scope="module")
def ctx(published_shape_bundle):
    return DataContext(published_shape_bundle)


def view(ctx, query):
    state, ignored = ViewState.from_query(query, ctx.choices)
    return state, ignored, filter_laureates(ctx.laureats, state)


@pytest.mark.parametrize("mesure,light,expected", [
    (TI_FUND.mesure, "Territoires", True), ("SOUTIEN A L'INVESTISSEMENT INDUSTRIEL DANS LES TERRITOIRES", None, True),
    ("Soutien à l’investissement industriel dans les territoires (France Relance)", None, True),
    ("Territoires", None, True), ("Autre libellé", "territoires", True),
    ("Soutien à la filière nucléaire", "Nucléaire", False), ("Relocalisation : secteurs critiques", None, False)])
def test_ti_fund_matched_robustly(mesure, light, expected):
    assert is_ti_fund(mesure, light) is expected


def test_ti_fund_by_default_and_every_measure_with_toutes(ctx):
    lau = ctx.laureats
    assert ctx.scope_restricted and lau["mesure"].nunique() == 9
    fund = lau["mesure"] == TI_FUND.mesure
    state, ignored, sel = view(ctx, "")
    assert not ignored and len(sel) == int(fund.sum()) and (sel["mesure"] == TI_FUND.mesure).all()
    assert 1000 < len(sel) < len(lau) / 2
    _, ignored, everything = view(ctx, "?mesure=toutes")
    assert not ignored and len(everything) == len(lau)
    nuc = "Soutien à la filière nucléaire"
    _, _, one = view(ctx, "?mesure=" + nuc)
    assert len(one) == int((lau["mesure"] == nuc).sum()) and len(one) > 0
    # the KPI cards, the ranking and the exports use the same mask
    assert kpis(sel, ctx.choices)["laureats"] == len(sel)


def test_summary_sentence_says_the_scope(ctx):
    state, _, sel = view(ctx, "")
    text = filters_sentence(ctx, state, len(sel))
    assert "fonds Territoires d'industrie" in text and "Toutes les mesures" in text
    state, _, sel = view(ctx, "?mesure=toutes")
    assert "toutes les mesures de France Relance" in filters_sentence(ctx, state, len(sel))


def test_mesure_control_offers_every_measure(ctx):
    from dashboard.model.catalog import MESURE
    options = MESURE.options(ctx, ViewState())
    assert options[0] == {"label": "Toutes les mesures", "value": "toutes"}
    assert {o["value"] for o in options[1:]} == set(ctx.laureats["mesure"])
    assert MESURE.placeholder(ctx).startswith("Fonds Territoires d'industrie")


def test_published_figures_for_the_ti_fund_only(ctx, monkeypatch):
    # every fund row dated in the brochure's period: the comparison applies to the default view only
    lau = ctx.laureats
    from dashboard.model.catalog import SCOPE_COLUMN
    early = lau["date"].where(~lau[SCOPE_COLUMN], "2021-06-01")
    monkeypatch.setattr(ctx, "laureats", lau.assign(date=early))
    assert published_applicable(ctx, ViewState())
    assert published_applicable(ctx, ViewState(mesure=(TI_FUND.mesure,)))
    assert not published_applicable(ctx, ViewState(mesure=("toutes",)))
    assert not published_applicable(ctx, ViewState(mesure=("Soutien à la filière nucléaire",)))
    table = regional_table_data(ctx, ViewState(), filter_laureates(ctx.laureats, ViewState()))
    assert table["laureats_publies"].notna().any()
    table = regional_table_data(ctx, ViewState(mesure=("toutes",)), ctx.laureats)
    assert table["laureats_publies"].isna().all()


def test_amount_indicators_disabled_with_their_reason_and_co2_from_the_official_column(ctx):
    assert not ctx.choices.has("amounts") and ctx.choices.has("co2")
    state, ignored, sel = view(ctx, "?indicateur=investissement")
    assert state.indicateur == "laureats" and ignored == ["« indicateur=investissement » ignoré (montants absents "
                                                          "des données)"]
    from dashboard.model.catalog import INDICATEUR
    disabled = {o["value"] for o in INDICATEUR.options(ctx, ViewState()) if o.get("disabled")}
    assert disabled == {"investissement", "aide", "emplois"}
    state, ignored, sel = view(ctx, "?indicateur=co2&mesure=toutes")
    assert not ignored and state.indicateur == "co2"
    co2 = "tonnes_equivalent_co2_pour_les_projets_decarbonation"
    assert kpis(sel, ctx.choices)["co2"] == int(ctx.laureats[co2].sum()) > 0
    assert kpis(sel, ctx.choices)["investissement"] is None


def test_one_measure_file_and_demonstration_behave_as_before(official_bundle, demo_bundle):
    import dataclasses
    one = official_bundle.laureats.assign(mesure=TI_FUND.mesure, mesure_light=TI_FUND.light)
    # the hand-written official fixture holds three measures: restricted to the fund
    assert DataContext(official_bundle).scope_restricted
    for bundle in (dataclasses.replace(official_bundle, laureats=one), demo_bundle):
        ctx = DataContext(bundle)
        assert not ctx.scope_restricted
        assert len(filter_laureates(ctx.laureats, ViewState())) == len(ctx.laureats)
        text = filters_sentence(ctx, ViewState(), len(ctx.laureats))
        assert "fonds" not in text and "mesures" not in text
