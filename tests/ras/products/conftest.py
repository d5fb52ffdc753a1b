"""The roles with finished results that these tests start from (tests.fixtures.products)."""
from tests.fixtures.products import setup  # noqa: F401 - a fixture, found by name
