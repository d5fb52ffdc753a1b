"""A finder run per emotion: one request, a shortlist for every emotion the clips are tagged with.

The first tests read the runs a request stores (no synthesis); the last one races a role of three
emotions on the real queue, analysis and driver with the planted engine, and checks every
emotion's shortlist holds good clips of that emotion only, within the one budget.
"""
from __future__ import annotations

import pytest

from ras.errors import InputError
from ras.finder import emotion_runs
from ras.finder import run as finder_runs
from ras.finder import status as finder_status
from ras.library.clips import list_clips
from ras.library.importer import import_list
from ras.library.roles import create_role
from ras.store.workspace import Workspace
from tests.fixtures.emotion_role import build_emotion_role
from tests.fixtures.planted_engine import save_profiles
from tests.ras.finder.test_driver import Services


def _import(tmp_path, emotion_role, style="tag_zh"):
    ws = Workspace(tmp_path / "roles")
    role = create_role(ws=ws, category="情绪", name="多情绪")
    import_list(ws=ws, role=role, list_path=emotion_role.lists[style])
    return ws, role


@pytest.fixture(scope="module")
def small_role(tmp_path_factory):
    """4 calm clips, 3 happy, 2 sad (too few to race), all good."""
    return build_emotion_role(tmp_path_factory.mktemp("emotions"), ("neutral", "happy", "sad"),
                              kinds={"neutral": ("good",) * 4, "happy": ("good",) * 3, "sad": ("good",) * 2})


def test_one_request_stores_a_run_per_emotion_sharing_texts_and_budget(tmp_path, small_role):
    ws, role = _import(tmp_path, small_role)
    try:
        run_id = emotion_runs.create_emotion_run(ws=ws, role=role, spec={"per_emotion": True, "budget_jobs": 30})
        status = finder_status.status(ws=ws, runner=None, role=role, run_id=run_id)
        runs = {r.run_id: r for r in finder_runs.list_runs(ws=ws, role=role)}
        emotion_of = {c.id: c.emotion for c in list_clips(ws=ws, role=role).clips}
    finally:
        ws.close()
    assert set(status.emotion_runs) == {"neutral", "happy"} and status.left_out == {"sad": 2}
    parts = {e.emotion: e.status for e in status.emotions}
    for emotion, part in parts.items():
        assert runs[part.run_id].parent == run_id and runs[part.run_id].emotion == emotion
        assert runs[part.run_id].clips == sum(1 for e in emotion_of.values() if e == emotion)
        assert part.text_ids == status.text_ids and part.shortlist_size == 3  # shared texts; 3 places each
    assert parts["neutral"].budget_jobs + parts["happy"].budget_jobs == 30 == status.budget_jobs
    assert parts["neutral"].budget_jobs > parts["happy"].budget_jobs  # shared by clip count
    assert status.stage == "screen" and not status.settled and status.shortlists == {"neutral": (), "happy": ()}
    # the picker lists the per-emotion run with its emotions' runs under it
    listed = list(runs)
    assert listed[0] == run_id and sorted(listed[1:]) == sorted(status.emotion_runs.values())


def test_deleting_the_run_deletes_every_emotions_run(tmp_path, small_role):
    ws, role = _import(tmp_path, small_role)
    try:
        kept = finder_runs.create_run(ws=ws, role=role, spec={})
        run_id = emotion_runs.create_emotion_run(ws=ws, role=role, spec={"per_emotion": True})
        finder_runs.delete_run(ws=ws, runner=None, role=role, run_id=run_id)
        assert [r.run_id for r in finder_runs.list_runs(ws=ws, role=role)] == [kept]
    finally:
        ws.close()


def test_untagged_clips_are_refused_with_what_to_do(tmp_path, small_role):
    ws, role = _import(tmp_path, small_role, style="untagged")
    try:
        with pytest.raises(InputError, match="no emotion .* has 3 or more clips.*tag clips by emotion"):
            emotion_runs.create_emotion_run(ws=ws, role=role, spec={"per_emotion": True})
        assert finder_runs.list_runs(ws=ws, role=role) == []
    finally:
        ws.close()


def test_budget_split_by_clip_count_adds_up():
    assert emotion_runs.split_budget(100, {"a": 10, "b": 10, "c": 10}) == {"a": 34, "b": 33, "c": 33}
    assert sum(emotion_runs.split_budget(7, {"a": 12, "b": 3, "c": 1}).values()) == 7
    assert min(emotion_runs.split_budget(3, {"a": 50, "b": 1, "c": 1}).values()) == 1


@pytest.mark.slow
@pytest.mark.timeout(1500)  # every take is analysed with DNSMOS and a speaker encoder on the CPU
def test_each_emotion_gets_a_clean_shortlist_of_its_own_clips(tmp_path):
    data = build_emotion_role(tmp_path / "clips", ("neutral", "happy", "sad"),
                              kinds={"neutral": ("good", "good", "flaky", "noisy"),
                                     "happy": ("good", "good", "other_voice", "flaky"),
                                     "sad": ("good", "good", "flaky", "clipped")})
    ws, role = _import(tmp_path, data, style="folders")
    truth = {c.id: data.truth[c.text] for c in list_clips(ws=ws, role=role).clips}
    ws.close()
    services = Services(tmp_path / "roles", save_profiles(tmp_path / "profiles.json", data.profiles)).start()
    try:
        run_id = emotion_runs.create_emotion_run(ws=services.ws, role=role,
                                                 spec={"per_emotion": True, "shortlist": 2, "budget_jobs": 48})
        services.driver.watch(role)
        status = services.wait(role, run_id, lambda s: s.settled)
    finally:
        services.stop()
    assert status.stage == "done", status.error
    assert set(status.shortlists) == {"neutral", "happy", "sad"}
    for emotion, shortlist in status.shortlists.items():
        assert shortlist, emotion
        assert all(truth[c] == (emotion, "good") for c in shortlist), (emotion, [truth[c] for c in shortlist])
    excluded = {truth[r.clip_id][1] for r in status.screened if r.excluded}
    assert excluded >= {"noisy", "clipped"}  # each emotion screened its own clips
    assert status.jobs_done <= 48 and status.jobs_done == sum(e.status.jobs_done for e in status.emotions)
