"""A role's library: roles, their clips imported from .list files, and shared test texts."""
