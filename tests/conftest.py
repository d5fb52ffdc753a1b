pytest_plugins = ["tests.fixtures.gsv", "tests.fixtures.app", "tests.fixtures.browser"]
