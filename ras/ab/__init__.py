"""Blind A/B listening: a Bradley–Terry ranking from pairwise votes, adaptive pairs, stored sessions."""
