"""Private Dash patches: dev tools off unless ``TI_DEBUG=1`` (whatever ``DASH_*`` variables
say, also in ``app.run``), Dash's MCP endpoint off unless ``TI_ENABLE_MCP=1``."""
from __future__ import annotations

import logging

log = logging.getLogger("dashboard.web.security")


def disable_dev_tools(app) -> None:
    """Turn every dev tool off, whatever ``DASH_*`` variables say, also in ``app.run``."""
    off = dict(ui=False, props_check=False, serve_dev_bundles=False, hot_reload=False,
               silence_routes_logging=False, prune_errors=False, validate_callbacks=False,
               disable_version_check=True)
    app._setup_dev_tools(debug=False, **off)  # noqa: SLF001 (the constructor read DASH_* variables)
    original = app.enable_dev_tools

    def enable_dev_tools(*_args, **kwargs):
        """Dev tools are refused without ``TI_DEBUG=1``: ``app.run(debug=True)`` serves in production mode."""
        return original(debug=False, dev_tools_ui=False, dev_tools_props_check=False,
                        dev_tools_serve_dev_bundles=False, dev_tools_hot_reload=False,
                        dev_tools_silence_routes_logging=False, dev_tools_disable_version_check=True,
                        dev_tools_prune_errors=False, dev_tools_validate_callbacks=False,
                        first_run=kwargs.get("first_run", True))

    app.enable_dev_tools = enable_dev_tools
    app.server.debug = False


def allow_dev_tools(app) -> None:
    """``TI_DEBUG=1``: ``app.run()`` turns the dev tools on even when called with ``debug=False``."""
    original = app.enable_dev_tools

    def enable_dev_tools(*args, **kwargs):
        kwargs.pop("debug", None)
        return original(True, *args[1:], **kwargs)

    app.enable_dev_tools = enable_dev_tools


def configure_mcp(app, enable: bool, mcp_path: str) -> None:
    """Turn Dash's MCP endpoint on (``enable``) or keep it off (its routes are then refused
    before Dash sees the request, see :func:`dashboard.web.security.harden`)."""
    if not enable:
        # Routes already added by the constructor (DASH_MCP_ENABLED) are blocked in before_request.
        app._enable_mcp = False  # noqa: SLF001
        return
    if mcp_path in getattr(app, "routes", []):
        return
    try:
        from dash.mcp import enable_mcp_server
        enable_mcp_server(app, str(app._mcp_path))  # noqa: SLF001
        app._enable_mcp = True  # noqa: SLF001
        log.warning("Point d'accès MCP de Dash activé (%s) : à réserver à un usage interne.", mcp_path)
    except Exception as exc:  # noqa: BLE001 (optional feature)
        log.warning("Point d'accès MCP non activé : %s", exc)
