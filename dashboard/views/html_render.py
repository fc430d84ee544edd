"""Server-side HTML of a tree of Dash ``html`` components (for the embed view, which runs no Dash
renderer): the same components, the same attributes, text escaped."""
from __future__ import annotations

import json
from html import escape

_RENAMED = {"className": "class", "htmlFor": "for"}
_VOID = {"br", "hr", "img", "input", "meta", "link"}


def _style(style: dict) -> str:
    def css(name: str) -> str:
        return "".join("-" + c.lower() if c.isupper() else c for c in name)
    return "; ".join(f"{css(k)}: {v}" for k, v in style.items())


def to_html(node) -> str:
    """HTML of ``node``: a Dash ``html`` component, a string, a number, a list of them or None."""
    if node is None:
        return ""
    if isinstance(node, (list, tuple)):
        return "".join(to_html(n) for n in node)
    if isinstance(node, (str, int, float)):
        return escape(str(node), quote=False)
    if getattr(node, "_namespace", None) != "dash_html_components":
        raise TypeError(f"composant non rendu côté serveur : {type(node).__name__}")
    tag = type(node).__name__.lower()
    props = node.to_plotly_json()["props"]
    attrs = []
    for name, value in props.items():
        if name == "children" or value is None or value is False:
            continue
        name = _RENAMED.get(name, name)
        if name == "style":
            value = _style(value)
        attrs.append(f" {name}" if value is True else f' {name}="{escape(str(value), quote=True)}"')
    if tag in _VOID:
        return f"<{tag}{''.join(attrs)}>"
    return f"<{tag}{''.join(attrs)}>{to_html(props.get('children'))}</{tag}>"


#: Id of the JSON data block holding a page's map figure (read by ``assets/carte-dessin.js``).
FIGURE_DATA_ID = "figure-carte"


def figure_data_block(fig, config: dict) -> str:
    """``<script type="application/json">`` holding ``{"figure": …, "config": …}`` for
    ``assets/carte-dessin.js``: data, not a script (the CSP is unchanged); ``</`` escaped so that
    no value closes the block."""
    data = '{"figure":' + fig.to_json() + ',"config":' + json.dumps(config, ensure_ascii=False) + "}"
    data = data.replace("</", "<\\/")  # never closes the data block
    return f'<script type="application/json" id="{FIGURE_DATA_ID}">{data}</script>'
