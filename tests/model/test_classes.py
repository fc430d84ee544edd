"""Classed colour scale: one set of classes and colours for the web map and the server-side maps."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from dashboard.model import fmt
from dashboard.model.colour_scale import OUTSIDE_COLOR, PALETTE, ZERO_COLOR, class_scale
from dashboard.model.data import DataContext, filter_laureates
from dashboard.views.map_figure import TRACE_CHORO, TRACE_IN, map_figure, map_patch
from dashboard.views.map_style import PIN_SIZE_NATIONAL, PIN_SIZE_ZOOMED, scale_for
from dashboard.model.state import ViewState


def plotly_color(colorscale, zmax, v):
    """Colour Plotly gives a value on a step colorscale (zmin=0): the stop pair around v/zmax."""
    p = min(max(v / zmax, 0.0), 1.0)
    color = colorscale[0][1]
    for pos, c in colorscale:
        if pos <= p:
            color = c
        else:
            break
    return color


# rounded to 4 decimals, as the map's values are (figures.choropleth_values)
values = st.lists(st.one_of(st.just(0.0), st.floats(0.001, 1e9).map(lambda x: round(x, 4)), st.just(math.nan)),
                  min_size=1, max_size=300)


def test_value_just_under_a_large_threshold_keeps_its_colour():
    """Regression: a fixed relative margin coloured 199 999 990 € like the class from 200 000 000 €."""
    vals = [1e6, 2e6, 5e7, 199_999_990.0, 2e8, 3e8, 9e8]
    scale = class_scale(vals, False, fmt.euros, n_classes=2)
    assert scale.thresholds == (200_000_000.0,)
    colorscale, zmax = scale.plotly_colorscale()
    for v, c in zip(vals, scale.colors_of(vals)):
        assert plotly_color(colorscale, zmax, v) == c, (v, scale.thresholds)


@settings(max_examples=150, deadline=None)
@given(values, st.booleans())
def test_web_colorscale_matches_classify(vals, integer):
    vals = [float(round(v)) if integer and not math.isnan(v) else v for v in vals]
    scale = class_scale(vals, integer, fmt.integer if integer else fmt.euros)
    colorscale, zmax = scale.plotly_colorscale()
    expected = scale.colors_of(vals)
    for v, c in zip(vals, expected):
        if math.isnan(v):
            assert c == OUTSIDE_COLOR
        else:
            assert plotly_color(colorscale, zmax, v) == c, (v, scale)
    positions = [p for p, _ in colorscale]
    assert positions == sorted(positions) and positions[0] == 0 and positions[-1] == 1


@settings(max_examples=150, deadline=None)
@given(values, st.booleans())
def test_classes_are_honest(vals, integer):
    vals = [float(round(v)) if integer and not math.isnan(v) else v for v in vals]
    scale = class_scale(vals, integer, fmt.integer if integer else fmt.euros)
    pos = [v for v in vals if not math.isnan(v) and v > 0]
    if not pos:
        assert scale.n == 0
        return
    assert 1 <= scale.n <= 5
    classes = scale.classify(pos)
    assert set(classes) == set(range(1, scale.n + 1))  # no empty class
    assert classes[int(np.argmax(pos))] == scale.n  # the largest value is in the top class: no hidden cap
    if scale.n > 1:
        assert scale.labels[-1].startswith("≥ ")
        assert len(set(scale.colors)) == scale.n and ZERO_COLOR not in scale.colors
    assert ZERO_COLOR != OUTSIDE_COLOR


def test_integer_labels_are_the_bounds():
    scale = class_scale([0, 1, 1, 1, 2, 2, 3, 5, 8, 79, math.nan], True, fmt.integer)
    lowers = [1, *scale.thresholds]
    for i, label in enumerate(scale.labels[:-1]):
        hi = scale.thresholds[i] - 1
        assert label == (fmt.integer(lowers[i]) if hi == lowers[i] else
                         f"{fmt.integer(lowers[i])} – {fmt.integer(hi)}")
    assert scale.labels[-1] == f"≥ {fmt.integer(scale.thresholds[-1])}"
    assert list(scale.classify([0, math.nan, 79])) == [0, -1, scale.n]


def test_palette_bounds():
    with pytest.raises(ValueError, match="n_classes"):
        class_scale([1, 2], True, fmt.integer, n_classes=len(PALETTE) + 1)


@pytest.fixture(scope="module")
def ctx(demo_bundle):
    return DataContext(demo_bundle)


def test_map_uses_classes_and_legend(ctx):
    state = ViewState(indicateur="investissement")
    sel = filter_laureates(ctx.laureats, state)
    fig = map_figure(ctx, state, sel)
    choro = fig.data[TRACE_CHORO]
    scale = scale_for(state, choro.z)
    assert [list(x) for x in choro.colorscale] == [list(x) for x in scale.plotly_colorscale()[0]]
    assert choro.zmax == max(v for v in choro.z if not math.isnan(v))  # not capped
    legend = fig.layout.annotations[0].text
    assert scale.labels[-1].replace("\u202f", "\u202f") in legend and "0 (aucun lauréat)" in legend
    assert "hors sélection" in legend
    assert fig.data[TRACE_IN].marker.size == PIN_SIZE_NATIONAL


def test_patch_updates_classes_pins_and_named_selection(ctx):
    before = ViewState()
    after = ViewState(region="11", territoire="200054781")
    body = map_patch(ctx, after, before, filter_laureates(ctx.laureats, after)).to_plotly_json()
    text = str(body)
    assert "colorscale" in text and "Métropole du Grand Paris (sélection)" in text
    sizes = {tuple(op["location"]): op["params"]["value"] for op in body["operations"]
             if op["location"][-2:] == ["marker", "size"]}
    assert sizes == {("data", TRACE_IN, "marker", "size"): PIN_SIZE_ZOOMED,
                     ("data", TRACE_IN + 1, "marker", "size"): PIN_SIZE_ZOOMED}
