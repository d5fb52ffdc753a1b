"""Long-text runs: sentences of a long text synthesized by the best configurations."""
