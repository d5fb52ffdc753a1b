pytest_plugins = ["tests.fixtures.app", "tests.fixtures.browser"]
