"""Fixtures of the export tests: one app on the demonstration bundle per test module."""
import pytest

from dashboard import create_app


@pytest.fixture(scope="module")
def app(demo_bundle):
    return create_app(demo_bundle)


@pytest.fixture(scope="module")
def ctx(app):
    return app._ti_context


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()
