"""Classed colour scale of the choropleth: the same classes and colours for the web
map, its slide image and the server-side maps of the committee deck. Pure (numpy
only).

Choices
-------
* Quantile classes of the **positive** values in the selection's scope (each class
  holds about as many territories), at most :data:`N_CLASSES`; thresholds are
  whole numbers for counts and otherwise the roundest number between the last
  value of a class and the first of the next, so the labels are the exact bounds. A value ``v`` is in the first class whose
  upper threshold is above it: bounds belong to the upper class, and the top
  class reads « ≥ … » (no hidden cap: the largest value is in it).
* Zero has its own colour (neutral grey), distinct from the classes and from
  "outside the selection" (not filled: the white background).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from dashboard.model.palette import OUTSIDE_COLOR, ZERO_COLOR

N_CLASSES = 5
#: Sequential purples (light to dark, colour-blind safe); a scale of k classes takes k of them, spread out.
PALETTE = ("#d4c5e8", "#b7a3d6", "#9a82c4", "#7f62b0", "#66459c", "#4f2a87", "#3a0f72")
ZERO_LABEL = "0 (aucun lauréat)"
OUTSIDE_LABEL = "hors sélection"
OUTSIDE_CLASS = -1
ZERO_CLASS = 0


@dataclass(frozen=True)
class ClassScale:
    """Classes of the positive values: class ``i`` (1-based) covers
    ``[lower_i, thresholds[i-1])``; the last one is open above."""

    thresholds: tuple = ()   # lower bounds of classes 2..k (strictly increasing)
    colors: tuple = ()       # one per class, light to dark
    labels: tuple = ()       # French, one per class; the last starts with "≥"
    integer: bool = True
    vmin: float = 0.0        # smallest positive value (in the first class)
    vmax: float = 0.0        # largest value (in the top class)
    cuts: tuple = ()         # colour-step positions: half-way between each threshold and the value below it

    @property
    def n(self) -> int:
        return len(self.colors)

    def classify(self, values) -> np.ndarray:
        """Class of each value: -1 outside (NaN), 0 for zero, 1..k for positive values."""
        v = np.asarray(values, dtype=float)
        out = np.full(v.shape, OUTSIDE_CLASS, dtype=int)
        finite = np.isfinite(v)
        out[finite & (v <= 0)] = ZERO_CLASS
        pos = finite & (v > 0)
        if self.n:
            out[pos] = np.searchsorted(np.asarray(self.thresholds, dtype=float), v[pos], side="right") + 1
        return out

    def colors_of(self, values) -> list[str]:
        """Hex colour of each value (outside: :data:`OUTSIDE_COLOR`, zero: :data:`ZERO_COLOR`)."""
        table = {OUTSIDE_CLASS: OUTSIDE_COLOR, ZERO_CLASS: ZERO_COLOR}
        table.update({i + 1: c for i, c in enumerate(self.colors)})
        return [table[int(k)] for k in self.classify(values)]

    def legend(self) -> list[tuple[str, str]]:
        """(colour, label) rows, highest class first, then zero and outside."""
        rows = [(c, lab) for c, lab in zip(self.colors, self.labels)][::-1]
        return rows + [(ZERO_COLOR, ZERO_LABEL), (OUTSIDE_COLOR, OUTSIDE_LABEL)]

    def plotly_colorscale(self) -> tuple[list, float]:
        """(colorscale, zmax) that colour a Plotly choropleth with ``zmin=0`` exactly as
        :meth:`classify`: a step function, each step half-way between representable
        values (whole numbers: at ``t - 0.5``; others just below ``t``)."""
        if not self.n:
            return [[0.0, ZERO_COLOR], [1.0, ZERO_COLOR]], 1.0
        zmax = max(self.vmax, float(self.thresholds[-1]) if self.thresholds else 0.0, 1e-9)
        first = 0.5 if self.integer else self.vmin / 2
        cuts = [first] + [(t - 0.5) if self.integer else c for t, c in zip(self.thresholds, self.cuts)]
        colors = [ZERO_COLOR, *self.colors]
        scale = [[0.0, ZERO_COLOR]]
        for cut, below, above in zip(cuts, colors[:-1], colors[1:]):
            p = min(max(cut / zmax, 0.0), 1.0)
            scale += [[p, below], [p, above]]
        scale.append([1.0, colors[-1]])
        return scale, zmax


def _nice_between(low: float, high: float) -> float:
    """The roundest number ``t`` with ``low < t <= high`` (fewest significant digits,
    ``high`` rounded down): 114 < t <= 115 -> 115, 100 < t <= 260 -> 200."""
    if not (math.isfinite(high) and high > 0):
        return high
    top = int(math.floor(math.log10(high)))
    for digits in range(1, 16):
        step = 10.0 ** (top - digits + 1)
        t = math.floor(high / step) * step
        t = float(f"{t:.{max(0, digits - top - 1)}f}") if step < 1 else float(t)
        if low < t <= high:
            return t
    return high


def class_scale(values, integer: bool, formatter: Callable[[float], str], n_classes: int = N_CLASSES) -> ClassScale:
    """Quantile classes of the positive finite values of ``values``.

    Parameters
    ----------
    values : array-like of float
        One value per territory in scope (NaN: outside, ignored).
    integer : bool
        Whole-number values (counts): thresholds are whole numbers and a class
        reads « 2 – 4 » (both bounds included).
    formatter : callable
        French text of a bound (``fmt.integer``, ``fmt.euros``…).
    n_classes : int
        At most this many classes (fewer when the values have fewer distinct levels).

    Returns
    -------
    ClassScale
    """
    if not 2 <= n_classes <= len(PALETTE):
        raise ValueError(f"n_classes doit être entre 2 et {len(PALETTE)} : {n_classes}")
    v = np.asarray(values, dtype=float)
    pos = np.sort(v[np.isfinite(v) & (v > 0)])
    if not len(pos):
        return ClassScale(integer=integer)
    lo, hi = float(pos[0]), float(pos[-1])
    qs = np.quantile(pos, [i / n_classes for i in range(1, n_classes)], method="lower")
    if integer:
        cand = [math.floor(q) + 1 for q in qs]
    else:
        cand = []
        for q in qs:  # a round number between the quantile and the next value above it
            above = pos[pos > q]
            cand.append(_nice_between(float(q), float(above[0])) if len(above) else math.inf)
    thresholds = sorted({float(t) for t in cand if lo < t <= hi})
    k = len(thresholds) + 1
    idx = np.round(np.linspace(0, len(PALETTE) - 1, k)).astype(int) if k > 1 else [len(PALETTE) // 2]
    colors = tuple(PALETTE[i] for i in idx)
    lowers = [lo, *thresholds]
    labels = []
    for i, low in enumerate(lowers):
        if i == k - 1:
            labels.append(f"≥ {formatter(low)}" if k > 1 else
                          (formatter(low) if low == hi else f"{formatter(low)} – {formatter(hi)}"))
        elif integer:
            top = thresholds[i] - 1
            labels.append(formatter(low) if top == low else f"{formatter(low)} – {formatter(top)}")
        else:
            labels.append(f"< {formatter(thresholds[i])}" if i == 0 else
                          f"{formatter(low)} – {formatter(thresholds[i])}")
    # Colour steps half-way between a threshold and the largest value below it: a fixed relative margin
    # (t * (1 - 1e-7)) put a value just under a large threshold (199 999 990 € under 200 000 000 €) in the
    # class above it.
    cuts = tuple((t + float(pos[pos < t][-1])) / 2 for t in thresholds)
    return ClassScale(thresholds=tuple(thresholds), colors=colors, labels=tuple(labels), integer=integer,
                      vmin=lo, vmax=hi, cuts=cuts)
