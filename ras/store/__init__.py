"""Storage: SQLite engines, the data folders, table definitions and schema migrations."""
