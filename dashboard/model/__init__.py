"""Model: the catalog of parameters and indicators, the view state, the data context and the figures
computed from it (filter mask, KPIs, aggregates, search, formatting, colour steps). No Dash, no Plotly."""
