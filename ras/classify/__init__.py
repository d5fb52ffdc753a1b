"""Classify a role's clips by voice/style: speaker embeddings and clustering."""
