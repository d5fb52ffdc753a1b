"""A finder run on the real queue, analysis and driver, with the planted engine in-process.

Checks what the app's users rely on without launching the app: stages advance on their
own, the shortlist holds good references, and a run interrupted by a stop continues in a
new process-like set of services without re-making finished takes.
"""
from __future__ import annotations

import time
from collections import Counter

import pytest

from ras.ab import sessions
from ras.analysis.analyzer import Analyzer
from ras.errors import InputError, NotFound
from ras.finder import compare
from ras.finder import run as finder_runs
from ras.finder import status as finder_status
from ras.finder.driver import FinderDriver
from ras.library.clips import list_clips
from ras.library.importer import import_list
from ras.library.roles import create_role
from ras.queue.runner import Runner
from ras.store.workspace import Workspace
from tests.fixtures.finder_role import build_finder_role
from tests.fixtures.planted_engine import PlantedEngine, save_profiles

pytestmark = [pytest.mark.slow]
KINDS = ["good", "flaky", "good", "noisy", "good"]


class Services:
    """What webui_ras.make_context/start_services wire together, on one roles folder."""

    def __init__(self, roles_dir, profiles):
        self.ws = Workspace(roles_dir)
        self.engine = PlantedEngine(profiles, name="planted")
        self.analyzer = Analyzer(self.ws)
        self.runner = Runner(self.ws, lambda: [self.engine], on_result=self.analyzer.submit)
        self.driver = FinderDriver(self.ws, self.runner, encoder=self.analyzer.speaker_encoder, poll_seconds=0.3)
        self.runner.add_result_listener(self.driver.on_result)

    def start(self):
        self.runner.resume_interrupted()
        for role in self.ws.role_names():
            self.analyzer.submit_pending(role)
        self.driver.start()
        return self

    def status(self, role, run_id):
        return finder_status.status(ws=self.ws, runner=self.runner, role=role, run_id=run_id)

    def wait(self, role, run_id, until, timeout=1400):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status(role, run_id)
            if until(status):
                return status
            time.sleep(0.3)
        raise TimeoutError(f"finder run {run_id}: {self.status(role, run_id).stage}")

    def stop(self):
        self.driver.stop()
        self.runner.shutdown()
        self.analyzer.shutdown()
        self.ws.close()


@pytest.fixture
def role_setup(tmp_path):
    data = build_finder_role(tmp_path / "clips", KINDS)
    profiles = save_profiles(tmp_path / "profiles.json", data.profiles)
    ws = Workspace(tmp_path / "roles")
    role = create_role(ws=ws, category="找参考", name="驱动")
    import_list(ws=ws, role=role, list_path=data.list_path)
    kind_of = {c.id: data.truth[c.text] for c in list_clips(ws=ws, role=role).clips}
    ws.close()
    return tmp_path / "roles", profiles, role, kind_of


@pytest.mark.timeout(1500)  # every take is analysed with DNSMOS and a speaker encoder on the CPU
def test_a_run_advances_by_itself_and_continues_after_a_stop(role_setup):
    roles_dir, profiles, role, kind_of = role_setup
    first = Services(roles_dir, profiles).start()
    run_id = finder_runs.create_run(ws=first.ws, role=role, spec={"shortlist": 2, "budget_jobs": 14})
    first.driver.watch(role)
    first.wait(role, run_id, lambda s: s.jobs_done >= 3)
    first.stop()

    second = Services(roles_dir, profiles).start()
    try:
        status = second.wait(role, run_id, lambda s: s.stage in ("done", "failed"))
        blind = sessions.start_session(ws=second.ws, role=role, task_id=compare.shortlist_task(
            ws=second.ws, role=role, run_id=run_id)) if status.stage == "done" and len(status.shortlist) >= 2 \
            else None
        pair = sessions.next_pair(ws=second.ws, role=role, session_id=blind.session_id) if blind else None
    finally:
        second.stop()
    assert status.stage == "done", status.error
    assert status.settled  # nothing queued or waiting for analysis once the ranking is stored
    noisy = next(c for c, k in kind_of.items() if k == "noisy")
    assert [r.clip_id for r in status.screened if r.excluded] == [noisy]
    assert status.shortlist and all(kind_of[c] == "good" for c in status.shortlist)
    assert [r.clip_id for r in status.ranking[:len(status.shortlist)]] == list(status.shortlist)
    assert all(r.standing is not None for r in status.ranking)
    takes = first.engine.takes + second.engine.takes
    assert second.engine.takes and len(takes) <= status.budget_jobs + 1
    repeats = sum(n - 1 for n in Counter((t["ref_sha256"], t["text"], t["seed"]) for t in takes).values())
    assert repeats <= 1  # at most the take that was running when the first services stopped
    assert status.jobs_done == sum(r.takes for r in status.ranking) <= status.budget_jobs

    # one click compares the shortlist blind: one candidate per reference, every seed's take in play
    assert blind is not None, status.shortlist
    assert sorted(c.clip_id for c in blind.candidates) == sorted(status.shortlist)
    takes_of = {r.clip_id: r.takes for r in status.ranking}  # planted jobs never fail: all have audio
    assert all(c.takes == takes_of[c.clip_id] for c in blind.candidates), blind.candidates
    assert pair.pair_id is not None and pair.a != pair.b and pair.text


def test_a_bad_spec_names_the_field_and_creates_nothing(role_setup):
    roles_dir, _, role, _ = role_setup
    ws = Workspace(roles_dir)
    try:
        for spec, message in (({"clips": [1]}, "unknown spec key"), ({"clip_ids": [999]}, r"clip id\(s\) \[999\]"),
                              ({"shortlist": 0}, "shortlist must be at least 1"),
                              ({"base": {"seed": 3}}, "base.seed"), ({"base": {"top_k": "many"}}, "top_k"),
                              ({"text_ids": [10**6]}, "not found")):
            with pytest.raises((InputError, NotFound), match=message):
                finder_runs.create_run(ws=ws, role=role, spec=spec)
        assert finder_runs.list_runs(ws=ws, role=role) == []
    finally:
        ws.close()
