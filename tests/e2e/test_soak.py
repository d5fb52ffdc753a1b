"""A shorter soak with kills and hangs (the full one is benchmarks/soak.py): killing the engine server,
the web process and analysis processes, and stopping analysis processes (SIGSTOP), at random moments,
loses no job, does none twice, leaves no result unanalysed without a reason, no stopped process and no
stray file behind."""
from __future__ import annotations

import pytest

from benchmarks.soak import RSS_LIMIT_MB, run_soak


@pytest.mark.slow
@pytest.mark.timeout(2400)  # each web restart takes a minute or more on a busy machine
def test_jobs_survive_kills_and_analysis_hangs(tmp_path):
    report = run_soak(tmp_path, jobs=150, kills=6, hangs=3, seed=3)
    print("\n".join(report.lines()))
    assert report.engine_kills >= 2 and report.web_kills >= 2 and report.analysis_kills >= 2
    assert report.analysis_hangs == 3 and report.hangs_survived == 3 and report.left_stopped == []
    assert (report.done, report.failed, report.lost, report.duplicated) == (150, 0, 0, 0)
    assert report.unanalysed == 0 and report.analysed + report.analysis_failed == 150
    assert report.orphan_files == []
    assert report.integrity == "ok"
    assert report.rss_growth_mb < RSS_LIMIT_MB
