"""Every file a view can be downloaded as, declared once (datasette's ``register_output_renderer``).

The routes (:mod:`dashboard.web.routes`), the buttons of the page and their links
(:mod:`dashboard.views.layout`, :mod:`dashboard.callbacks.view`), the element ids and the
tests all come from :data:`EXPORTS`. A format's builder is a function ``(ctx, state) -> bytes`` of
the exports layer, named here as ``"module:function"`` and imported on first use (so that
matplotlib or python-pptx load with the first deck, not at start).

Add a format: write its builder in :mod:`dashboard.exports`, then one :class:`ExportFormat` here.
"""
from __future__ import annotations

from dataclasses import dataclass

CACHE_POLICIES = ("shared", "process", "none")
#: Keyword arguments a builder may take from the request besides the view: ``site_url``, the page's
#: absolute address (``https://host/prefix/``); ``comite``, the URL parameter ``comite=AAAA-MM-JJ``.
REQUEST_OPTIONS = ("site_url", "comite")


class ExportUnavailable(ValueError):
    """A builder's refusal for this view (the fiche without a territory): answered 404 with its French text."""


@dataclass(frozen=True, kw_only=True)
class ExportFormat:
    """A download of the view.

    Attributes
    ----------
    kind : str
        URL ``export.<kind>`` and element id ``export-<kind>`` (dots become dashes).
    filename : str
        ``Content-Disposition`` file name.
    mimetype : str
    builder : str
        ``"module:function"`` of a function ``(ctx, state) -> bytes``.
    label : str or None
        Text of the page's download button (None: no button, e.g. the CSV's metadata).
    title : str or None
        Tooltip of the button.
    emphasis : bool
        The button stands out (the committee deck).
    rows_only : bool
        The body depends only on the rows selected: the cache key is reduced to
        :func:`dashboard.model.data.row_state` (parameters that do not select rows share one entry).
    cache : {"shared", "process", "none"}
        ``shared``: the export cache (Redis when configured, else bounded in the process);
        ``process``: a few of the last bodies in each process (large decks and images);
        ``none``: built at each request.
    daily : bool
        The body prints the day it was made (the cache key includes the day).
    heavy : bool
        Costly to build (seconds of CPU): counted by the limit on concurrent heavy exports.
    described_by : str or None
        Kind of another format that describes this one (``Link: <…>; rel="describedby"``).
    path_name : str or None
        URL path when it is not ``export.<kind>`` (the printable fiche: ``fiche.pdf``).
    options : tuple of str
        Keyword arguments of the builder taken from the request (:data:`REQUEST_OPTIONS`); they
        are part of the cache key.
    """

    kind: str
    filename: str
    mimetype: str
    builder: str
    label: str | None = None
    title: str | None = None
    emphasis: bool = False
    rows_only: bool = False
    cache: str = "shared"
    daily: bool = False
    heavy: bool = False
    described_by: str | None = None
    path_name: str | None = None
    options: tuple[str, ...] = ()

    def __post_init__(self):
        unknown = set(self.options) - set(REQUEST_OPTIONS)
        if unknown:
            raise ValueError(f"ExportFormat {self.kind!r} : options inconnues {sorted(unknown)} "
                             f"(attendu parmi {REQUEST_OPTIONS})")
        if self.cache not in CACHE_POLICIES:
            raise ValueError(f"ExportFormat {self.kind!r} : cache {self.cache!r} inconnu (attendu {CACHE_POLICIES})")
        if ":" not in self.builder:
            raise ValueError(f"ExportFormat {self.kind!r} : builder « module:fonction » attendu, reçu {self.builder!r}")

    @property
    def path(self) -> str:
        return self.path_name or f"export.{self.kind}"

    @property
    def element_id(self) -> str:
        return "export-" + self.kind.replace(".", "-")

    @property
    def endpoint(self) -> str:
        return "ti_export_" + self.kind.replace(".", "_")


EXPORTS = (
    ExportFormat(kind="csv", filename="laureats-territoires-industrie.csv", mimetype="text/csv",
                 builder="dashboard.exports.tables:csv_bytes", label="Exporter les lauréats (CSV)",
                 rows_only=True, described_by="csv.meta"),
    ExportFormat(kind="geojson", filename="laureats-territoires-industrie.geojson",
                 mimetype="application/geo+json", builder="dashboard.exports.tables:geojson_bytes",
                 label="GeoJSON", rows_only=True),
    ExportFormat(kind="xlsx", filename="laureats-territoires-industrie.xlsx",
                 mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 builder="dashboard.exports.xlsx:to_xlsx_bytes", label="Tableur (XLSX)", heavy=True),
    ExportFormat(kind="pptx", filename="dossier-comite-territoires-industrie.pptx",
                 mimetype="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                 builder="dashboard.exports.deck:deck_bytes", label="Dossier de comité (PowerPoint)",
                 title="Carte, chiffres clés, tableaux, lauréats et sources de la vue, en diapositives",
                 emphasis=True, cache="process", daily=True, heavy=True, options=("site_url", "comite")),
    ExportFormat(kind="png", filename="carte-territoires-industrie.png", mimetype="image/png",
                 builder="dashboard.exports.static_map:png_bytes", cache="process", heavy=True),
    ExportFormat(kind="fiche.pdf", path_name="fiche.pdf", filename="fiche-territoire-industrie.pdf",
                 mimetype="application/pdf", builder="dashboard.exports.fiche_pdf:fiche_pdf_bytes",
                 cache="process", daily=True, heavy=True, options=("site_url",)),
    ExportFormat(kind="csv.meta", filename="laureats-territoires-industrie.csv.meta.txt", mimetype="text/plain",
                 builder="dashboard.exports.tables:metadata_bytes"),
)
EXPORT_BY_KIND = {f.kind: f for f in EXPORTS}
#: Formats with a button on the page, in button order.
BUTTONS = tuple(f for f in EXPORTS if f.label)
