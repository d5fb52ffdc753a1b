"""The API modules that need a plain app (no engine, no special flags) share one for the whole run: each
app costs seconds of start-up, and every module works in roles of its own."""
import pytest

from tests.fixtures.app import launch_app


@pytest.fixture(scope="session")
def running_app(tmp_path_factory):
    app = launch_app(tmp_path_factory.mktemp("api_app"))
    yield app
    app.stop()
