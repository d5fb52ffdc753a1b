"""Analysis of stored takes and clips: the analysis processes, the metrics each result stores, the score
weights kept in the DB, and the cache of clip speaker embeddings."""
