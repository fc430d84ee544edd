"""``/healthz``: 200 with the data's as-of and build dates (``statut: ok``, or ``degrade`` with the
reason when the last rebuild failed and the last good bundle is served), 503 when no data is loaded."""
from __future__ import annotations

from typing import Mapping

from flask import jsonify


def healthz_view(manifest, rebuild_failure: str | None = None):
    """The view function answering ``/healthz`` for a bundle's ``manifest`` (None: no data);
    ``rebuild_failure``: why the last rebuild failed (public wording), if it did."""
    def healthz():
        if not isinstance(manifest, Mapping):
            resp = jsonify({"statut": "indisponible", "message": "Données non chargées."})
            resp.status_code = 503
            return resp
        body = {
            "statut": "degrade" if rebuild_failure else "ok",
            "donnees_arretees_au": manifest.get("donnees_arretees_au"),
            "date_construction": manifest.get("date_construction"),
            "laureats_demonstration": bool(manifest.get("laureats_demonstration")),
            "pipeline_version": manifest.get("pipeline_version"),
        }
        if rebuild_failure:
            body["raison"] = (f"{rebuild_failure} — le lot précédent (construit le "
                              f"{manifest.get('date_construction')}) reste servi.")
        return jsonify(body)
    return healthz
