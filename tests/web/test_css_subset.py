"""The embed view's stylesheet: the rules of the page's stylesheet that can apply to it (issue 20:
472 KB of CSS parsed before the embed's first paint, for a page of a dozen elements). Hand-made
sheets here; the computed styles of the real embed, full sheet against subset, are compared in
Chromium (``tests/browser/test_first_paint.py``)."""
from __future__ import annotations

import re

import pytest

from dashboard import create_app
from dashboard.views.embed import embed_markup
from dashboard.web.css_subset import Used, can_match, split_top, subset
from dashboard.web.static_files import StaticFiles

USED = Used(classes=frozenset({"embed", "carte", "pastille"}), ids=frozenset({"carte"}), prefixes=("lieu-",))


@pytest.mark.parametrize("selector, ok", [
    (".embed", True), ("div.carte > span", True), ("#carte .pastille:hover", True), ("a", True),
    ("[class*=fr-] .embed", True), (".embed::before", True), (".lieu-3", True), (".lieu", False),
    (".btn", False), (".embed .btn", False), ("#autre", False), ("div#carte.embed", True),
    (".embed:not(.btn)", True), (":is(.btn, .embed) span", True), (".fr-col-md-6", False),
    (r".sm\:flex", False), (r".carte\2d x", False), (r".carte", True), ('a[href=".btn"]', True),
])
def test_a_selector_can_match_when_its_classes_and_ids_are_used(selector, ok):
    assert can_match(selector, USED) is ok


def test_escaped_names_are_read_as_the_browser_reads_them():
    assert can_match(r".\65 mbed", USED)  # \65 = « e »
    assert can_match(r".emb\65 d", USED)
    assert not can_match(r".\62 tn", USED)


def test_rules_kept_in_their_order_with_their_at_rules():
    css = """/* en-tête */
@charset "utf-8";
:root { --bleu: #000091; }
.btn { color: red; }
.embed, .btn { margin: 0; }
@font-face { font-family: Marianne; src: url("m.woff2"); }
@media (min-width: 48em) { .btn { x: 1 } .carte { y: 2 } }
@media print { .btn { z: 3 } }
@supports (display: grid) { @media screen { .pastille { w: 4 } .nav { v: 5 } } }
@keyframes tourne { from { a: 1 } to { a: 2 } }
.fr-link[href]::after { content: "}"; }
/* .carte { commentaire } */
.carte { content: "{ .btn }"; }
"""
    assert subset(css, USED) == "\n".join([
        '@charset "utf-8";',
        ":root{ --bleu: #000091; }",
        ".embed, .btn{ margin: 0; }",
        '@font-face{ font-family: Marianne; src: url("m.woff2"); }',
        "@media (min-width: 48em){.carte{ y: 2 }}",
        "@supports (display: grid){@media screen{.pastille{ w: 4 }}}",
        "@keyframes tourne{ from { a: 1 } to { a: 2 } }",
        '.carte{ content: "{ .btn }"; }',
    ])


def test_a_selector_list_is_split_outside_brackets_and_strings():
    assert split_top('a:is(.x, .y), b[title="p, q"], c') == ["a:is(.x, .y)", ' b[title="p, q"]', " c"]


def test_words_of_a_script_and_of_a_page():
    script = """el.className = 'carte-imprimee ouverte'; html.push('<span class="lieu lieu-' + n + '">');
    // a comment's 'words' are not read outside strings: notword"""
    used = Used.of_script(script)
    assert {"carte-imprimee", "ouverte", "lieu", "span"} <= used.classes and "notword" not in used.classes
    assert used.prefixes == ("lieu-",) and used.has_class("lieu-12")
    page = Used.of_html('<div id="carte" class="embed  carte"><span class=\'pastille\'></span></div>')
    assert page.classes == {"embed", "carte", "pastille"} and page.ids == {"carte"}


@pytest.fixture(scope="module")
def client(demo_bundle):
    app = create_app(demo_bundle)
    client = app.server.test_client()
    client.ti_context = app._ti_context
    return client


def test_the_embed_links_its_own_smaller_stylesheet(client):
    page = client.get("/").get_data(as_text=True)
    full = re.search(r'<link rel="stylesheet" href="([^"]+)"', page).group(1)
    embed = client.get("/?embed=1&region=24").get_data(as_text=True)
    own = re.search(r'<link rel="stylesheet" href="([^"]+)"', embed).group(1)
    assert own != full and re.fullmatch(r"/static/[0-9a-f]{12}/integration\.css", own)
    full_css = client.get(full, headers={"Accept-Encoding": "identity"}).data
    r = client.get(own, headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200 and r.mimetype == "text/css"
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert len(r.data) < 0.3 * len(full_css)
    css = r.data.decode()
    for kept in (".embed-barre", ".pastille", "@font-face", ".visually-hidden", ".lieu-0"):
        assert kept in css, kept
    for dropped in (".fr-header__service-title", ".nav-tabs .nav-link.active", ".fr-footer__brand", ".btn-outline-primary"):
        assert dropped not in css, dropped


@pytest.mark.parametrize("query", ["?embed=1", "?embed=1&region=24&ti=dans", "?embed=1&departement=45&zone=afr",
                                   "?embed=1&region=94&filiere=Inconnue", "?embed=1&niveau=ti&indicateur=emplois"])
def test_every_class_and_id_of_an_embed_view_is_in_its_stylesheet_s_reckoning(client, query):
    """The subset is made from one view's page: every other view has the same classes and ids."""
    page = client.get("/" + query).get_data(as_text=True)
    used = StaticFiles("/", "/assets/", embed_markup=lambda: embed_markup(client.ti_context)).embed_used()
    seen = Used.of_html(page[page.index("<body>"):])
    assert not {c for c in seen.classes if not used.has_class(c)} and seen.ids <= used.ids
