"""Configuration runs in the role DB: the spec a user sends, and rounds read back from job rows."""
from __future__ import annotations

import dataclasses
import json
import math

import pytest
from sqlmodel import select

from ras.errors import InputError
from ras.finder import config_run, config_stages, probes
from ras.finder import run as finder_runs
from ras.finder.status import FinderStatus
from ras.library import importer, roles
from ras.store.main_tables import TestText
from ras.store.role_tables import FinderRun, Job, ParamSet
from ras.store.workspace import Workspace
from tests.fixtures.app import write_tone
from tests.fixtures.checkpoint_run import QueueStub

VARY = {"top_k": [5, 15, 30], "temperature": [0.8, 1.3]}


@pytest.fixture
def role_ws(tmp_path):
    ws = Workspace(tmp_path / "roles")
    role = roles.create_role(ws=ws, category="寻找", name="配置")
    lines = []
    for i in range(4):
        write_tone(tmp_path / f"ref{i}.wav", 4.0, freq=200 + 20 * i)
        lines.append(f"{tmp_path / f'ref{i}.wav'}|s|en|A calm reference voice number {i}.")
    (tmp_path / "r.list").write_text("\n".join(lines), encoding="utf-8")
    importer.import_list(ws=ws, role=role, list_path=tmp_path / "r.list")
    yield ws, role
    ws.close()


def test_a_settings_run_races_every_combination_on_the_probe_set_with_repeated_words(role_ws):
    ws, role = role_ws
    run_id = config_run.create_config_run(ws=ws, role=role, spec={"mode": "settings", "vary": VARY,
                                                                  "clip_ids": [1, 2]})
    run = finder_runs.load_run(ws, role, run_id)
    spec = run.spec
    assert run.stage == "probe" and len(spec["candidates"]) == 6 and spec["reference_ids"] == [1, 2]
    assert len(spec["text_ids"]) == 5
    with ws.main_session() as session:
        contents = [session.get(TestText, t).content for t in spec["text_ids"]]
    assert probes.REPEAT_TEXTS["en"] in contents
    assert spec["budget_jobs"] == math.ceil(0.35 * 6 * 5 * 3)  # 35 % of the grid: 6 candidates x 5 texts x 3 seeds


@pytest.mark.parametrize("spec, says", [
    ({"mode": "settings", "vary": VARY, "clip_ids": [1, 2, 3, 4]}, "at most 3 references"),
    ({"mode": "settings", "vary": VARY}, "choose the reference"),
    ({"mode": "settings", "vary": {"seed": [1, 2]}, "clip_ids": [1]}, "a settings search varies"),
    ({"mode": "settings", "vary": {"top_k": [5]}, "clip_ids": [1]}, "compare 2 to"),
    ({"mode": "checkpoints", "gpt": ["a.ckpt"], "sovits": ["b.pth"], "clip_ids": [1]}, "no GPT-SoVITS"),
    ({"mode": "guess", "clip_ids": [1]}, "mode"),
])
def test_a_spec_that_cannot_run_names_what_to_change(role_ws, spec, says):
    ws, role = role_ws
    with pytest.raises(InputError, match=says):
        config_run.create_config_run(ws=ws, role=role, spec=spec)


@pytest.mark.parametrize("spec", [
    {"mode": "settings", "vary": {"seed": [1, 2]}, "clip_ids": [1]},
    {"mode": "settings", "vary": {"top_k": [5]}, "clip_ids": [1]},
    {"mode": "settings", "vary": VARY, "clip_ids": [1], "finalists": 0},
    {"mode": "settings", "vary": VARY, "clip_ids": [1], "base": {"seed": 3}},
])
def test_a_refused_spec_stores_no_probe_texts(role_ws, spec):
    ws, role = role_ws
    with pytest.raises(InputError):
        config_run.create_config_run(ws=ws, role=role, spec=spec)
    with ws.main_session() as session:
        assert session.exec(select(TestText)).all() == []  # the probe set is stored by a run that starts
    assert finder_runs.list_runs(ws=ws, role=role) == []


def test_rounds_map_takes_to_candidates_and_the_failing_setting_is_dropped(role_ws):
    ws, role = role_ws
    runner = QueueStub()
    run_id = config_run.create_config_run(ws=ws, role=role, spec={"mode": "settings", "vary": VARY,
                                                                  "clip_ids": [1, 2], "finalists": 2})
    for _ in range(12):
        outcome = config_stages.do_probe(ws, runner, role, run_id)
        if outcome.startswith("stopped"):
            break
        with ws.role_session(role) as session:  # the engine and analysis: temperature 1.3 repeats itself
            hot = {ps.id for ps in session.exec(select(ParamSet)).all() if ps.params["temperature"] == 1.3}
            for job in session.exec(select(Job).where(Job.status == "queued")).all():
                failed = job.param_set_id in hot
                job.status, job.result_path, job.spectrogram_path = "done", "x.wav", "x.png"
                job.auto_score, job.flags_json = (40.0, json.dumps(["repeat"])) if failed else (85.0, "[]")
                session.add(job)
            session.commit()
    config_stages.do_rank(ws, role, run_id)
    status = config_stages.status(ws=ws, runner=runner, role=role, run_id=run_id)
    run = finder_runs.load_run(ws, role, run_id)
    assert status.stage == "done" and status.settled and len(runner.started) == len(run.task_ids) >= 2
    assert status.jobs_done == sum(r.takes for r in status.ranking) <= status.budget_jobs
    assert status.recommended.candidate.params["temperature"] == 0.8
    assert status.shortlist[0] == status.recommended.candidate.label
    hot_rows = [r for r in status.ranking if r.candidate.params["temperature"] == 1.3]
    assert hot_rows and all(r.failure_rates["repeat"] == 1.0 and not r.final_round for r in hot_rows)
    with ws.role_session(role) as session:
        assert {j.clip_id for j in session.exec(select(Job)).all()} == {1, 2}  # the references read the probes


def json_keys(status_type) -> set[str]:
    return {f.metadata.get("json", f.name) for f in dataclasses.fields(status_type)} - {None}


def test_a_configuration_status_has_every_key_of_a_reference_status():
    # /find_reference_status answers for either kind of run: a script reading a reference run's keys
    # finds them in a configuration run's answer too
    assert json_keys(FinderStatus) <= json_keys(config_stages.ConfigStatus)
    assert json_keys(config_stages.ConfigStatus) - json_keys(FinderStatus) == {
        "mode", "recommended", "weight_loads", "failure_by_epoch", "reference_ids", "shape"}


def test_without_clips_the_references_come_from_the_newest_calm_shortlist_not_a_mix_of_emotions(role_ws):
    ws, role = role_ws

    def finished_run(shortlist, **spec):
        with ws.role_session(role) as session:
            run = FinderRun(name="done", stage="done", spec_json=json.dumps(spec),
                            shortlist_json=json.dumps(shortlist))
            session.add(run)
            session.commit()
            return run.id

    finished_run([4], clip_ids=[4])  # an older plain run
    parent = finished_run([1, 2, 3], per_emotion=True, children={"happy": 0, "neutral": 0})
    finished_run([2], parent=parent, emotion="neutral")
    finished_run([3, 1], parent=parent, emotion="happy")  # the newest run of all
    run_id = config_run.create_config_run(ws=ws, role=role, spec={"mode": "settings", "vary": VARY})
    assert finder_runs.load_run(ws, role, run_id).spec["reference_ids"] == [2]
