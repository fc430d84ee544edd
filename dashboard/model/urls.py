"""The app's own URLs (geometry, exports, routes), worked out in one place.

The browser reaches the app under ``requests_pathname_prefix`` (e.g. ``/`` or ``/carte/`` behind a
proxy); the server registers its routes under ``routes_pathname_prefix``. Both come from the Dash
app's config, read once by :meth:`AppUrls.of`.
"""
from __future__ import annotations

from dataclasses import dataclass


def _slash(prefix: str | None) -> str:
    prefix = prefix or "/"
    return prefix if prefix.endswith("/") else prefix + "/"


@dataclass(frozen=True, kw_only=True)
class AppUrls:
    """URL prefixes of one app.

    Attributes
    ----------
    requests_prefix : str
        Prefix of the URLs written in pages (``""`` gives relative URLs, e.g. in unit tests).
    routes_prefix : str
        Prefix under which the server registers its routes.
    """

    requests_prefix: str = ""
    routes_prefix: str = "/"

    @classmethod
    def of(cls, app) -> "AppUrls":
        """The prefixes of a Dash app (``app.config``), each ending with ``/``."""
        config = getattr(app, "config", None)
        return cls(requests_prefix=_slash(getattr(config, "requests_pathname_prefix", None)),
                   routes_prefix=_slash(getattr(config, "routes_pathname_prefix", None)))

    def route(self, path: str) -> str:
        """Rule of a server route (``route("export.csv")`` → ``/carte/export.csv``)."""
        return self.routes_prefix + path.lstrip("/")

    def page(self, path: str, query: str = "") -> str:
        """Address of the app's resource ``path`` as written in a page (``query``: ``?…`` or "")."""
        return f"{self.requests_prefix}{path.lstrip('/')}{query}"

    def geo(self, level: str, phase: str, version: str) -> str:
        """URL of the GeoJSON of a level (served by ``<prefix>geo/<name>.geojson``), versioned."""
        name = "epci" if level == "epci" else f"ti-{phase}"
        return self.page(f"geo/{name}.geojson", f"?v={version}")

    def export(self, kind: str, query: str) -> str:
        """URL of an export of the view (``kind``: a key of :data:`dashboard.model.export_formats.EXPORTS`)."""
        return self.page(f"export.{kind}", query)
