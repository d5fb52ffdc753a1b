"""Results pages, scores and comparison on a task whose jobs are marked done directly."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from ras import results
from ras.errors import Conflict, InputError
from ras.library import importer, roles, texts
from ras.queue import tasks
from ras.store.workspace import Workspace
from tests.fixtures.app import write_tone


@pytest.fixture
def done_task(tmp_path):
    ws = Workspace(tmp_path / "roles")
    role = roles.create_role(ws=ws, category="结果", name="测试")
    for i in range(2):
        write_tone(tmp_path / f"c{i}.wav", 4.0, seed=i)
    (tmp_path / "c.list").write_text(f"{tmp_path}/c0.wav|s|zh|参考零\n{tmp_path}/c1.wav|s|zh|参考一\n",
                                     encoding="utf-8")
    importer.import_list(ws=ws, role=role, list_path=tmp_path / "c.list")
    text_id = texts.add_text(ws=ws, content="同一句话", lang="zh")
    task_id = tasks.create_task(ws=ws, role=role, spec={"clip_ids": [1, 2], "text_ids": [text_id],
                                                        "vary": {"top_k": [5, 10, 15]}}).task_id
    durations = {1: 2.0, 2: 2.2, 3: 2.1, 4: 6.0, 5: 1.9, 6: None}  # job 4 repeats itself; job 6 failed
    with ws.role_engine(role).begin() as conn:
        for job_id, duration in durations.items():
            status = "done" if duration else "failed"
            conn.execute(text("UPDATE job SET status=:s, duration=:d, auto_score=:a, error=:e, "
                              "result_path=CASE WHEN :d IS NULL THEN '' ELSE 'results/x.wav' END WHERE id=:id"),
                         {"s": status, "d": duration, "a": 100 - 10 * job_id, "id": job_id,
                          "e": "" if duration else "EngineHung: no heartbeat"})
    yield ws, role, task_id
    ws.close()


def test_sorting_is_a_whitelist_and_failures_show_their_error(done_task):
    ws, role, task_id = done_task
    page = results.list_results(ws=ws, role=role, task_id=task_id, sort="duration")
    assert [r.duration for r in page.results] == [1.9, 2.0, 2.1, 2.2, 6.0, None]
    assert page.results[-1].error.startswith("EngineHung")
    assert results.list_results(ws=ws, role=role, task_id=task_id, sort="auto").results[0].id == 1
    with pytest.raises(InputError, match="unknown sort"):
        results.list_results(ws=ws, role=role, task_id=task_id, sort="duration; DROP TABLE job")


def test_duration_deviation_marks_the_outlier(done_task):
    ws, role, task_id = done_task
    found = {r.id: r for r in results.list_results(ws=ws, role=role, task_id=task_id).results}
    assert found[4].duration_deviation > 1.5  # three times the median take
    assert abs(found[3].duration_deviation) < 0.01


def test_scores_update_the_reference_mean_and_the_comparison(done_task):
    ws, role, task_id = done_task
    results.score_result(ws=ws, role=role, result_id=1, score=5)
    results.score_result(ws=ws, role=role, result_id=3, score=3)
    with pytest.raises(InputError, match="outside"):
        results.score_result(ws=ws, role=role, result_id=2, score=9)
    with pytest.raises(Conflict, match="no audio"):
        results.score_result(ws=ws, role=role, result_id=6, score=1)
    from ras.library import clips

    assert clips.get_clip(ws=ws, role=role, clip_id=1).mean_score == 4  # jobs 1 and 3 used clip 1
    rows = {r.label: r for r in results.compare_by_variable(ws=ws, role=role, task_id=task_id)}
    assert rows["top_k=5"].mean_score == 5 and rows["top_k=10"].mean_score == 3
    assert rows["top_k=15"].count == 1  # its second job failed
    scored = results.list_results(ws=ws, role=role, task_id=task_id, flt=results.ResultFilter(scored=True))
    assert {r.id for r in scored.results} == {1, 3}
    with pytest.raises(InputError, match="compare by"):
        results.compare_by_variable(ws=ws, role=role, task_id=task_id, by="colour")


def test_agreement_needs_enough_scores_and_follows_the_ranks(done_task):
    ws, role, task_id = done_task
    assert results.score_agreement(ws=ws, role=role, task_id=task_id).spearman is None
    for job_id, score in ((1, 5), (2, 4), (3, 3), (4, 1), (5, 0)):  # auto scores fall with the id too
        results.score_result(ws=ws, role=role, result_id=job_id, score=score)
    assert results.score_agreement(ws=ws, role=role, task_id=task_id).spearman == 1.0


def test_the_task_list_counts_each_task_s_jobs_by_status(done_task):
    ws, role, task_id = done_task
    other = tasks.create_task(ws=ws, role=role, spec={"clip_ids": [2], "text_ids": [1]}).task_id
    listed = {t.task_id: t.counts for t in tasks.list_tasks(ws=ws, role=role)}
    assert listed[task_id] == tasks.JobCounts(queued=0, running=0, done=5, failed=1, cancelled=0, total=6)
    assert (listed[other].done, listed[other].queued, listed[other].total) == (0, 1, 1)


def test_an_exported_wav_carries_the_result_params_and_plays(done_task, tmp_path):
    import json

    import soundfile

    from ras.audio.wav_tags import read_settings

    ws, role, _ = done_task
    write_tone(ws.role_dir(role) / "results" / "x.wav", 2.0, seed=9)
    request = {"text": "同一句话", "text_lang": "zh", "top_k": 10, "temperature": 0.7, "seed": 42}
    with ws.role_engine(role).begin() as conn:
        conn.execute(text("UPDATE job SET request_json=:r WHERE id=2"), {"r": json.dumps(request)})
    exported = results.export_result(ws=ws, role=role, result_id=2)
    embedded = read_settings(exported)
    assert embedded["params"] == results.get_result(ws=ws, role=role, result_id=2).params == request
    assert embedded["text"] == "同一句话"
    assert json.loads(exported.with_suffix(".json").read_text(encoding="utf-8")) == embedded
    original, _ = soundfile.read(str(ws.role_dir(role) / "results" / "x.wav"))
    copy, _ = soundfile.read(str(exported))  # still a wav any reader opens, same samples
    assert (original == copy).all()
