"""Reading a page as the browser gets it: the JSON of ``/_dash-layout``, the map's data block."""
from __future__ import annotations

import json
import re


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


def page_map_spec(page_html: str) -> dict:
    """``{"figure", "config"}`` of the map of a page (its JSON data block, drawn by
    ``assets/carte-dessin.js``); an AssertionError if the page has none."""
    from dashboard.views.html_render import FIGURE_DATA_ID
    found = re.search(rf'<script type="application/json" id="{FIGURE_DATA_ID}">(.*?)</script>', page_html, re.S)
    assert found is not None, "pas de carte dans la page"
    return json.loads(found.group(1).replace("<\\/", "</"))
