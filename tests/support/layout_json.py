"""Reading a Dash layout as the browser gets it (the JSON of ``/_dash-layout``)."""
from __future__ import annotations


def find_component(node, cid: str) -> dict | None:
    """The first component (``{"type", "namespace", "props"}``) whose ``props.id`` is ``cid``, depth
    first through dicts and lists; None when there is none."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("props", {}).get("id") == cid:
                return item
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return None


def map_figure_of(layout) -> dict:
    """The figure of the map component (id ``carte``); an AssertionError if the layout has none."""
    found = find_component(layout, "carte")
    assert found is not None and "figure" in found["props"], "pas de carte dans la mise en page"
    return found["props"]["figure"]
