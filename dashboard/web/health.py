"""``/healthz``: 200 with the data's as-of and build dates, 503 when no data is loaded."""
from __future__ import annotations

from typing import Mapping

from flask import jsonify


def healthz_view(manifest):
    """The view function answering ``/healthz`` for a bundle's ``manifest`` (None: no data)."""
    def healthz():
        if not isinstance(manifest, Mapping):
            resp = jsonify({"statut": "indisponible", "message": "Données non chargées."})
            resp.status_code = 503
            return resp
        return jsonify({
            "statut": "ok",
            "donnees_arretees_au": manifest.get("donnees_arretees_au"),
            "date_construction": manifest.get("date_construction"),
            "laureats_demonstration": bool(manifest.get("laureats_demonstration")),
            "pipeline_version": manifest.get("pipeline_version"),
        })
    return healthz
