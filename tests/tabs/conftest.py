from tests.fixtures.ui import ui_ctx  # noqa: F401 - the fixture every handler test takes
