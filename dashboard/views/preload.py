"""What the first map of a view needs, asked for from the page's ``<head>`` (``<link rel="preload">``).

Without these hints each file is asked late, one step after another: plotly.js asks for the
geometry only once it draws, ``assets/complements.js`` for the hover texts, names and region lines
only when plotly.js is called, and Dash's renderer loads its components' code (``dcc`` chunks) only
once it has laid the page out. Named in ``<head>``, they are fetched (or revalidated) while
the page's scripts load, and found ready when asked.

* :func:`map_resource_urls`: the geometry files (``geojson`` given by URL) and the complements
  (``meta.complement``) of a map figure, in trace order, each once;
* :func:`dcc_chunk_urls`: the lazily loaded code of the ``dcc`` components of a layout (Dash
  serves them unversioned, so each view revalidates them: better early than on the critical path);
* :func:`preload_tags`: the tags. ``as="fetch"`` with ``crossorigin`` is how both ``fetch()``
  (complements) and plotly.js's ``XMLHttpRequest`` (geometry) ask: the preloaded response is used,
  not fetched twice.
"""
from __future__ import annotations

from html import escape

#: Component of ``dash_core_components`` -> the chunk of its code loaded when it first renders.
DCC_CHUNKS = {"Graph": "async-graph.js", "Dropdown": "async-dropdown.js", "Slider": "async-slider.js",
              "RangeSlider": "async-slider.js", "DatePickerSingle": "async-datepicker.js",
              "DatePickerRange": "async-datepicker.js", "Markdown": "async-markdown.js",
              "Upload": "async-upload.js"}
#: Where Dash serves the ``dcc`` package's files, under the app's prefix.
DCC_PATH = "_dash-component-suites/dash/dcc/"


def _trace_dicts(fig) -> list[dict]:
    data = fig.get("data", []) if isinstance(fig, dict) else fig.to_plotly_json().get("data", [])
    return [t if isinstance(t, dict) else t.to_plotly_json() for t in data]


def map_resource_urls(fig) -> list[str]:
    """URLs a map figure (``go.Figure`` or its dict) makes the browser fetch before it is drawn:
    geometry given by URL, then the complements named in ``meta.complement``; each once."""
    urls: list[str] = []
    traces = _trace_dicts(fig)
    for trace in traces:
        geo = trace.get("geojson")
        if isinstance(geo, str) and trace.get("visible", True) is not False:
            urls.append(geo)
    for trace in traces:
        meta = trace.get("meta")
        if isinstance(meta, dict) and isinstance(meta.get("complement"), str):
            urls.append(meta["complement"])
    return list(dict.fromkeys(urls))


def components(tree):
    """The Dash components of ``tree`` (through ``children``), in document order."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(reversed(node))
        elif hasattr(node, "_namespace"):
            yield node
            children = getattr(node, "children", None)
            if children is not None:
                stack.append(children)


def dcc_chunk_urls(tree, prefix: str) -> list[str]:
    """URLs of the ``dcc`` chunks the components of ``tree`` (a Dash component tree) load when they
    first render, in the order met; ``prefix``: the app's ``requests_pathname_prefix``."""
    found = {DCC_CHUNKS[type(c).__name__]: None for c in components(tree)
             if c._namespace == "dash_core_components" and type(c).__name__ in DCC_CHUNKS}
    return [f"{prefix}{DCC_PATH}{name}" for name in found]


def preload_tags(fetch_urls=(), script_urls=()) -> str:
    """``<link rel="preload">`` tags: data fetched by script (``as="fetch"``, same-origin
    credentials like ``fetch()`` and ``XMLHttpRequest``), then scripts."""
    tags = [f'<link rel="preload" as="fetch" crossorigin href="{escape(u, quote=True)}">' for u in fetch_urls]
    tags += [f'<link rel="preload" as="script" href="{escape(u, quote=True)}">' for u in script_urls]
    return "".join(tags)
