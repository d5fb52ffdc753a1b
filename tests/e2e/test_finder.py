"""The reference finder end to end on the tiny real GPT-SoVITS: screen, probe on the queue, rank.

The tiny random-weight models speak noise, so the ranking's order means nothing here; what
is checked is that a run goes through every stage on real engines and accounts for its takes.
"""
from __future__ import annotations

import pytest

from tests.fixtures.app import role_with_references, wait_for

pytestmark = [pytest.mark.gsv, pytest.mark.slow]
VOICES = (("en+m3", "This is the first reference voice, spoken slowly."),
          ("en+m3", "Here is another reference clip for the comparison."),
          ("en+m3", "The third clip is also spoken by the same voice."),
          ("en+m3", "Short."))


def test_a_finder_run_screens_probes_and_ranks_on_real_gpt_sovits(gsv_app, tmp_path):
    client = gsv_app.client()
    role, clip_ids = role_with_references(client, tmp_path, "测试", "找参考", voices=VOICES)
    models = client.predict(api_name="/list_models")
    spec = {"gpt": models["gpt"][0]["name"], "sovits": models["sovits"][0]["name"], "shortlist": 2,
            "budget_jobs": 8, "base": {"top_k": 10}}
    run_id = client.predict(role, spec, api_name="/find_reference")["run_id"]
    status = wait_for(lambda: (s := client.predict(role, run_id, api_name="/find_reference_status"))["stage"]
                      in ("done", "failed") and s, timeout=600, interval=2, what="finder run")
    assert status["stage"] == "done", status["error"]
    screened = {row["clip_id"]: row for row in status["screened"]}
    assert set(screened) == set(clip_ids)
    short_clip = clip_ids[3]  # "Short." is under 3 s: GPT-SoVITS would refuse it
    assert screened[short_clip]["excluded"] and screened[short_clip]["reasons"][0].startswith("duration")
    probed = {row["clip_id"] for row in status["ranking"]}
    assert probed and probed <= set(clip_ids[:3])
    assert sum(row["takes"] for row in status["ranking"]) == status["jobs_done"] <= 8
    assert status["jobs_total"] == status["jobs_done"] and status["task_ids"]
    assert all(row["low"] <= row["high"] for row in status["ranking"])
    runs = client.predict(role, api_name="/list_finder_runs")["runs"]
    assert runs[0]["run_id"] == run_id and runs[0]["stage"] == "done"
