"""The job queue: task specs, task rows, job rows, scheduling and the supervised runner."""
