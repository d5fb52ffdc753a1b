"""Split a long or flawed clip at its pauses into new clips."""
