"""Views: element ids, the map figure and its overlays, the panels under the map, the page frame, the
main page, the embed and the information pages. Pure builders of Dash components and Plotly figures."""
