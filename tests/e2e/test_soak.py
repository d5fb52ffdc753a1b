"""A shorter soak with kills (the full one is benchmarks/soak.py): killing the engine server and the
web process at random moments loses no job, does none twice and leaves no stray file behind."""
from __future__ import annotations

import pytest

from benchmarks.soak import RSS_LIMIT_MB, run_soak


@pytest.mark.slow
@pytest.mark.timeout(1800)  # each web restart takes a minute or more on a busy machine
def test_jobs_survive_engine_and_web_kills(tmp_path):
    report = run_soak(tmp_path, jobs=150, kills=4, seed=3)
    print("\n".join(report.lines()))
    assert report.engine_kills >= 2 and report.web_kills >= 2
    assert (report.done, report.failed, report.lost, report.duplicated) == (150, 0, 0, 0)
    assert report.orphan_files == []
    assert report.integrity == "ok"
    assert report.rss_growth_mb < RSS_LIMIT_MB
