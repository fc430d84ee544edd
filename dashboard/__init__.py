"""The Dash app of the map. ``create_app(bundle)`` (:mod:`dashboard.web.factory`) is the factory.

Importing a module of the package (``dashboard.model.data``, ``dashboard.model.state``…) does not
import the others: :func:`create_app` is loaded on first use.
"""


def __getattr__(name):
    if name == "create_app":
        from dashboard.web.factory import create_app
        return create_app
    raise AttributeError(f"module 'dashboard' has no attribute {name!r}")


__all__ = ["create_app"]
