"""Reference finder: screen clips, probe them adaptively on the queue, rank with confidence."""
