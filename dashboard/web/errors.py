"""The app's own answers for errors: JSON ``{"statut": "erreur", "message": …}``, or a
short French HTML page for a browser; Werkzeug's HTTP errors in French."""
from __future__ import annotations

from html import escape as html_escape

from flask import Response, current_app, has_request_context, jsonify, request
from werkzeug.exceptions import HTTPException


def not_found(_exc) -> Response:
    return error_response(404, "Ressource introuvable.")


#: The app's own words for the HTTP errors Werkzeug raises (instead of its English HTML pages).
HTTP_MESSAGES = {
    400: "Requête invalide.",
    404: "Ressource introuvable.",
    405: "Méthode non autorisée pour cette adresse.",
    413: "Requête trop volumineuse.",
    415: "Type de contenu non pris en charge (JSON attendu).",
    431: "En-têtes de requête trop volumineux.",
}


def http_error(exc: HTTPException) -> Response:
    """Any Werkzeug HTTP error (400, 404, 405, 413, 415…) as the app's own answer."""
    code = exc.code or 500
    if code == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        message = HTTP_MESSAGES[413] + (f" Au plus {limit} octets." if limit else "")
    else:
        message = HTTP_MESSAGES.get(code, f"Erreur {code}.")
    resp = error_response(code, message)
    for name, value in exc.get_headers():  # keep Allow (405) and similar headers
        if name.lower() not in ("content-type", "content-length"):
            resp.headers[name] = value
    return resp


def error_response(status: int, message: str) -> Response:
    """An error answer: JSON ``{"statut": "erreur", "message": …}``, or a short French HTML
    page when the client prefers HTML (a browser opening a wrong address)."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"]) if has_request_context() else None
    if best == "text/html":
        page = ("<!DOCTYPE html><html lang=\"fr\"><meta charset=\"utf-8\"><title>Erreur " + str(status) +
                "</title><h1>Erreur " + str(status) + "</h1><p>" + html_escape(message) + "</p>")
        resp = Response(page, status=status, mimetype="text/html")
    else:
        resp = jsonify({"statut": "erreur", "message": message})
        resp.status_code = status
    return resp
