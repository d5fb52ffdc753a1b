"""JSON columns read through their table's properties: what was stored comes back, and a column never
written (a row from before the value existed) reads as the empty value instead of failing."""
from __future__ import annotations

import json

from ras.store.role_tables import AbSession, FinderRun, Job, ParamSet, Product, Task


def job(**columns) -> Job:
    return Job(task_id=1, param_set_id=1, clip_id=1, text="t", text_lang="en", **columns)


def test_a_job_reads_its_analysis_flags_and_request():
    analysed = job(metrics_json=json.dumps({"metrics": {"cer": 0.12}, "missing": {"dnsmos": "no model"}}),
                   flags_json=json.dumps(["repeat"]), request_json=json.dumps({"top_k": 5}))
    assert analysed.metrics == {"cer": 0.12} and analysed.missing_metrics == {"dnsmos": "no model"}
    assert analysed.flags == ["repeat"] and analysed.sent_request == {"top_k": 5}
    waiting = job()
    assert (waiting.metrics, waiting.missing_metrics, waiting.flags, waiting.sent_request) == ({}, {}, [], {})
    assert Job.read_metrics(analysed.metrics_json) == analysed.metrics and Job.read_flags("") == []


def test_tasks_sets_products_sessions_and_runs_read_their_columns():
    assert ParamSet(task_id=1, params_json='{"seed": 7}').params == {"seed": 7}
    task = Task(name="t", spec_json='{"vary": {"top_k": [5, 10]}}')
    assert task.spec["vary"] == {"top_k": [5, 10]} and task.weight_versions is None  # not recorded
    product = Product(name="p", aux_refs_json='["products/1/aux0.wav"]', params_json='{"speed_factor": 1.1}',
                      weight_versions_json="[]")
    assert product.aux_refs == ["products/1/aux0.wav"] and product.params == {"speed_factor": 1.1}
    assert product.weight_versions == []  # recorded: none of its weights were known
    assert AbSession(task_id=1, text_ids_json="[3, 4]").text_ids == [3, 4]
    run = FinderRun(spec_json='{"shortlist": 2}', task_ids_json="[5]", shortlist_json="[1, 2]", ranking_json="",
                    screened_json='[{"clip_id": 1}]', forced_json="[1]")
    assert (run.spec, run.task_ids, run.shortlist, run.ranking) == ({"shortlist": 2}, [5], [1, 2], [])
    assert run.screened == [{"clip_id": 1}] and run.forced == [1]
