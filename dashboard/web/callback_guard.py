"""Structural check of Dash callback requests: a forged body gets a 400 with a French
reason instead of an internal error, and is logged on one escaped line."""
from __future__ import annotations

import json
import logging
from typing import Mapping

from dashboard.views.ids import PATTERN_VALUES

log = logging.getLogger("dashboard.web.security")  # the security log (refusals, warnings)

# Callback requests: limits of the structural check (far above what the page sends).
MAX_OUTPUT_ID_LENGTH = 4000
MAX_PATTERN_ITEMS = 1000
MAX_CHANGED_PROPS = 1000
_WILDCARDS = ("ALL", "MATCH", "ALLSMALLER")
_MULTI_WILDCARDS = ("ALL", "ALLSMALLER")


def _spec_id(raw):
    """Component id of a callback spec (dict ids are stored as JSON strings)."""
    if isinstance(raw, str) and raw.startswith("{"):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _base_prop(prop):
    """Property name without Dash's ``@<hash>`` suffix (outputs with ``allow_duplicate``)."""
    return prop.split("@", 1)[0] if isinstance(prop, str) else prop


def _declared(value, values) -> bool:
    """Is ``value`` one of ``values``, of the same type (``True == 1`` and ``1.0 == 1`` do not count)?"""
    return any(type(value) is type(v) and value == v for v in values)


def _check_entry(entry, spec: Mapping, where: str, pattern_values: Mapping = PATTERN_VALUES) -> str | None:
    """Check one item of ``outputs``/``inputs``/``state`` against its spec; a message or None.

    A wildcard key of a pattern-matching id takes only the values ``pattern_values`` declares
    for the id's ``type`` (:data:`dashboard.ids.PATTERN_VALUES`)."""
    sid = _spec_id(spec.get("id"))
    prop = _base_prop(spec.get("property"))
    if not isinstance(sid, dict):
        if not isinstance(entry, dict) or entry.get("id") != sid or _base_prop(entry.get("property")) != prop:
            return f"{where} : composant inattendu"
        return None
    wild = {k for k, v in sid.items() if isinstance(v, list) and len(v) == 1 and v[0] in _WILDCARDS}
    multi = any(sid[k][0] in _MULTI_WILDCARDS for k in wild)
    if multi:
        if not isinstance(entry, list):
            return f"{where} : liste attendue"
        if len(entry) > MAX_PATTERN_ITEMS:
            return f"{where} : trop d'éléments"
        items = entry
    else:
        items = [entry]
    allowed = pattern_values.get(sid.get("type"), {})
    for item in items:
        if not isinstance(item, dict) or _base_prop(item.get("property")) != prop:
            return f"{where} : composant inattendu"
        cid = item.get("id")
        if not isinstance(cid, dict) or set(cid) != set(sid):
            return f"{where} : identifiant inattendu"
        for k, v in cid.items():
            if k in wild:
                if not _declared(v, allowed.get(k, ())):
                    return f"{where} : identifiant inattendu"
            elif v != sid[k]:
                return f"{where} : identifiant inattendu"
    return None


def check_callback_body(body, callback_map: Mapping) -> str | None:
    """Structural check of a ``/_dash-update-component`` body.

    Dash trusts the shape of the body it receives (a missing key or a wrong
    type is an internal error, 500). The browser always sends the shape given
    by ``/_dash-dependencies``; anything else is refused here (400) before
    Dash reads it. *Values* are not checked: the callbacks validate them.

    Parameters
    ----------
    body : object
        Decoded JSON body.
    callback_map : mapping
        ``app.callback_map``.

    Returns
    -------
    str or None
        A French message explaining the refusal, or None when the body is well formed.
    """
    if not isinstance(body, dict):
        return "corps de requête invalide"
    output = body.get("output")
    if not isinstance(output, str) or len(output) > MAX_OUTPUT_ID_LENGTH or output not in callback_map:
        return "callback inconnu"
    cb = callback_map[output]
    if not callable(cb.get("callback")):
        return "callback exécuté dans le navigateur"  # clientside: no server function to call
    for key, specs in (("inputs", cb.get("inputs", [])), ("state", cb.get("state", []))):
        entries = body.get(key, [])
        if not isinstance(entries, list) or len(entries) != len(specs):
            return f"« {key} » ne correspond pas au callback"
        for entry, spec in zip(entries, specs):
            msg = _check_entry(entry, spec, key)
            if msg:
                return msg
    if not cb.get("no_output"):
        declared = cb.get("output")
        outputs = body.get("outputs")
        if isinstance(declared, (list, tuple)):
            specs = [o.to_dict() for o in declared]
            if not isinstance(outputs, list) or len(outputs) != len(specs):
                return "« outputs » ne correspond pas au callback"
            for entry, spec in zip(outputs, specs):
                msg = _check_entry(entry, spec, "outputs")
                if msg:
                    return msg
        elif declared is not None:
            msg = _check_entry(outputs, declared.to_dict(), "outputs")
            if msg:
                return msg
    changed = body.get("changedPropIds", [])
    if (not isinstance(changed, list) or len(changed) > MAX_CHANGED_PROPS
            or not all(isinstance(c, str) and len(c) <= MAX_OUTPUT_ID_LENGTH for c in changed)):
        return "« changedPropIds » invalide"
    return None


def log_safe(value, limit: int = 200) -> str:
    """Client-supplied text for one log line: control characters (newlines
    included) and backslashes escaped, cut to ``limit`` characters."""
    text = str(value)[:limit]
    return "".join(ch if ch.isprintable() and ch != "\\" else ascii(ch)[1:-1] for ch in text)
