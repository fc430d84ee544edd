"""Colours of the map, the panels and the server-drawn images, declared once.

Pins and rings use the Okabe-Ito palette (colour-blind safe); the choropleth's purples are in
:mod:`dashboard.model.colour_scale`.
"""

COLOR_IN_TI = "#0072B2"  #: Okabe-Ito blue: laureate inside a Territoire d'industrie
COLOR_OUT_TI = "#E69F00"  #: Okabe-Ito orange: laureate outside any TI
COLOR_SINCE = "#009E73"  #: Okabe-Ito bluish green: rings of laureates decided since ``depuis=``
ZONE_COLOR = "#009E73"  #: communes of a priority zone (zone layer)
COLOR_SELECTED = "#CC0000"  #: outline of the selected territory
OUTLINE = "#222222"  #: TI outlines
ZERO_COLOR = "#cfcfcf"  #: territory with no laureate
OUTSIDE_COLOR = "#ffffff"  #: territory outside the selection
COLOR_OUTSIDE_PERIOD = "#c8c8c8"  #: month bars outside the chosen period
