"""Static files of the page served from a versioned URL, compressed once, cached a year.

* the stylesheet: Bootstrap, the DSFR parts and ours in one file (they came through seven
  ``@import`` without version tags: revalidated and compressed again on every view, and the
  chain delayed the first script);
* plotly.js: the partial bundle of ``assets/vendor/plotly/`` (the map's traces only; Dash's full
  bundle was served ``no-cache`` and compressed again, 4.8 MB, on every view).

Each is read and gzipped once when the app is built; its URL ``<prefix>static/<version>/<name>``
changes with its content, so browsers keep it for good.
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from flask import Response, request

from dashboard.web.css_subset import Used, subset
from dashboard.web.headers import LONG_CACHE

ASSETS = Path(__file__).resolve().parents[2] / "assets"
#: Stylesheets joined, in this order (the cascade): grid and components, State design system, ours.
STYLE_PARTS = ("vendor/bootstrap.min.css", "vendor/dsfr/core/core.main.min.css",
               "vendor/dsfr/component/logo/logo.main.min.css", "vendor/dsfr/component/header/header.main.min.css",
               "vendor/dsfr/component/footer/footer.main.min.css",
               "vendor/dsfr/component/skiplink/skiplink.main.min.css",
               "vendor/dsfr/component/link/link.main.min.css", "style.css")
PLOTLY_BUNDLE = "vendor/plotly/plotly-ti.min.js"
#: The embed view's stylesheet (:attr:`StaticFiles.embed_style`).
EMBED_STYLE = "integration.css"
STATIC_DIR = "static"
#: Scripts of /assets the embed view loads (it has no Dash renderer): see StaticFiles.embed_scripts.
EMBED_ASSETS = ("complements.js", "lieux.js", "integration.js", "premier-dessin.js", "carte-dessin.js")
#: The script drawing a page's map from its figure (both views).
MAP_SCRIPT = EMBED_ASSETS[-1]
#: Files of /assets that Dash must not add to its pages (served otherwise: the joined stylesheet, the
#: map's drawing in ``<head>``).
NOT_DASH_ASSETS = ("style.css", MAP_SCRIPT)
_URL_RE = re.compile(r"url\((['\"]?)(?!data:|https?:|/)([^)'\"]+)\1\)")


def content_version(body: bytes) -> str:
    """Short hash of a file's content (its URL's version)."""
    return hashlib.sha256(body).hexdigest()[:12]


@dataclass(frozen=True)
class StaticFile:
    """A file served from ``<prefix>static/<version>/<name>``, with its gzip body made once."""

    name: str
    mimetype: str
    body: bytes
    gzipped: bytes
    version: str

    @classmethod
    def of(cls, name: str, mimetype: str, body: bytes) -> "StaticFile":
        return cls(name=name, mimetype=mimetype, body=body, gzipped=gzip.compress(body, 9, mtime=0),
                   version=content_version(body))

    def url(self, prefix: str) -> str:
        return f"{prefix}{STATIC_DIR}/{self.version}/{self.name}"


def stylesheet(assets_url: str, assets: Path = ASSETS) -> bytes:
    """The parts of :data:`STYLE_PARTS` in one stylesheet; each relative ``url(…)`` (fonts, icons)
    points at the file under ``assets_url`` with its content version (cached for good)."""
    out = []
    for part in STYLE_PARTS:
        path = assets / part
        text = path.read_text(encoding="utf-8")
        if "@import" in text:
            raise ValueError(f"{path} : « @import » interdit (les feuilles sont réunies par {__name__})")

        def absolute(m, base=path.parent):
            target = (base / m.group(2)).resolve()
            rel = target.relative_to(assets.resolve()).as_posix()
            version = f"?v={content_version(target.read_bytes())}" if target.is_file() else ""
            return f'url("{assets_url}{rel}{version}")'
        out.append(f"/* {part} */\n" + _URL_RE.sub(absolute, text))
    return "\n".join(out).encode("utf-8")


class StaticFiles:
    """The page's static files (:func:`register_static_files` serves them).

    ``embed_markup()`` gives the HTML of an embed view: with the embed's scripts and plotly.js, it
    says which classes and ids the embed can have, hence its stylesheet (:attr:`embed_style`)."""

    def __init__(self, prefix: str, assets_url: str, assets: Path = ASSETS,
                 embed_markup: Callable[[], str] | None = None):
        self.prefix = prefix
        self.style = StaticFile.of("ti.css", "text/css", stylesheet(assets_url, assets))
        self.plotly = StaticFile.of("plotly.min.js", "text/javascript", (assets / PLOTLY_BUNDLE).read_bytes())
        self._files = {f.name: f for f in (self.style, self.plotly)}
        self.assets_url = assets_url
        self._assets = assets
        self._embed_markup = embed_markup
        self._asset_versions = {name: content_version((assets / name).read_bytes()) for name in EMBED_ASSETS}

    def file(self, name: str) -> StaticFile | None:
        """The file served under ``name`` (the embed's stylesheet made when first asked)."""
        if name == EMBED_STYLE:
            return self.embed_style
        return self._files.get(name)

    def embed_used(self) -> Used:
        """Classes and ids the embed view can have: in its HTML, or set by its scripts or plotly.js."""
        used = Used.of_html(self._embed_markup() if self._embed_markup else "")
        for source in (*(self._assets / n for n in EMBED_ASSETS), self._assets / PLOTLY_BUNDLE):
            used = used | _script_words(source.read_text(encoding="utf-8"))
        return used

    @functools.cached_property
    def embed_style(self) -> StaticFile:
        """The embed view's stylesheet: the rules of the page's that can apply to it (472 KB → ~100 KB
        parsed before its first paint), made when first asked."""
        return StaticFile.of(EMBED_STYLE, "text/css", subset(self.style.body.decode("utf-8"), self.embed_used())
                             .encode("utf-8"))

    def embed_scripts(self) -> list[str]:
        """Scripts of the embed view, in order: the complements' hook (before plotly.js defines
        ``window.Plotly``), plotly.js, place names, zoom fit, the first map drawn once complete, the
        drawing of the figure."""
        before, after = EMBED_ASSETS[:1], EMBED_ASSETS[1:]
        return [self._asset_url(n) for n in before] + [self.plotly.url(self.prefix)] + [self._asset_url(n) for n in after]

    def embed_head(self) -> str:
        """The embed view's stylesheet and icon (its scripts: :meth:`embed_scripts`)."""
        import dash
        return (f'<link rel="icon" type="image/x-icon" href="{self.prefix}_favicon.ico?v={dash.__version__}">'
                f'<link rel="stylesheet" href="{self.embed_style.url(self.prefix)}">')

    def head_html(self) -> str:
        """Tag of every page's ``<head>``: the stylesheet (a map page adds :meth:`map_head`)."""
        return f'<link rel="stylesheet" href="{self.style.url(self.prefix)}">'

    def _asset_url(self, name: str) -> str:
        return f"{self.assets_url}{name}?v={self._asset_versions[name]}"

    def map_head(self, figure_block: str) -> str:
        """The full page's map, in ``<head>``: plotly.js (:meth:`plotly_script`), the figure's data
        block and :data:`MAP_SCRIPT`, deferred: it runs once the page is parsed (after Dash's scripts
        and ``assets/complements.js``), and draws the map as soon as plotly.js has run, while Dash
        asks for its layout. (Drawn earlier, from an async script, the map's start held the parser and
        Dash's start back: the map was no sooner in its box.)"""
        return self.plotly_script() + figure_block + f'<script defer src="{self._asset_url(MAP_SCRIPT)}"></script>'

    def plotly_script(self) -> str:
        """plotly.js for a map page's ``<head>``, ``async``: fetched and run while the page's other
        scripts load, drawing the map (:meth:`map_head`) before Dash's layout arrives. When it comes
        late, ``assets/complements.js`` makes the map and the tabs' ``dcc.Graph`` wait for it rather
        than load plotly.js a second time."""
        return f'<script async src="{self.plotly.url(self.prefix)}" data-ti-plotly></script>'

    def response(self, version: str, name: str) -> Response:
        f = self.file(name)
        if f is None:
            return Response("Fichier introuvable.", status=404, mimetype="text/plain")
        packed = request.accept_encodings["gzip"] > 0
        resp = Response(f.gzipped if packed else f.body, mimetype=f.mimetype)
        if packed:
            resp.headers["Content-Encoding"] = "gzip"  # Flask-Compress leaves it as it is
        resp.headers["Vary"] = "Accept-Encoding"
        resp.headers["ETag"] = f'"{f.version}{"-gz" if packed else ""}"'
        # another version (a page of the previous deployment): the current file, not kept
        resp.headers["Cache-Control"] = LONG_CACHE if version == f.version else "no-cache"
        return resp.make_conditional(request)


@functools.lru_cache(maxsize=16)
def _script_words(source: str) -> Used:
    return Used.of_script(source)  # plotly.js: 0.2 s, once per process


def register_static_files(app, embed_markup: Callable[[], str] | None = None) -> StaticFiles:
    """Serve the page's stylesheet, plotly.js and the embed's stylesheet from
    ``<prefix>static/<version>/<name>``."""
    prefix = app.config.routes_pathname_prefix or "/"
    page_prefix = app.config.requests_pathname_prefix or "/"
    assets_url = page_prefix + (app.config.assets_url_path or "assets").strip("/") + "/"
    files = StaticFiles(page_prefix, assets_url, embed_markup=embed_markup)
    app.server.add_url_rule(f"{prefix}{STATIC_DIR}/<version>/<name>", "ti_static", files.response, methods=["GET"])
    return files
