pytest_plugins = ["tests.fixtures.gsv", "tests.fixtures.audio", "tests.fixtures.app", "tests.fixtures.browser"]
