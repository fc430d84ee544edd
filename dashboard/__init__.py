"""The Dash app of the map. ``create_app(bundle)`` (:mod:`dashboard.factory`) is the factory.

Importing a module of the package (``dashboard.data``, ``dashboard.state``…) does not
import the others: :func:`create_app` is loaded on first use.
"""


def __getattr__(name):
    if name == "create_app":
        from .factory import create_app
        return create_app
    raise AttributeError(f"module 'dashboard' has no attribute {name!r}")


__all__ = ["create_app"]
