pytest_plugins = ["tests.fixtures.app"]
