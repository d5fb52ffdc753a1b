"""Products: rows of a kept configuration (rows), its export zip (export), speech by its name (speech)."""
