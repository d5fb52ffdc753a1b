"""The reference finder through the API, on the planted engine (take quality known per reference).

Good references' takes fail 5 % of the time, flaky ones' 60 %; acoustically bad clips
(noisy, clipped, another voice, a wrong transcript) have good takes on the planted engine,
so only screening can keep them out. The shortlist must hold good references only.
"""
from __future__ import annotations

import contextlib
import os
import signal
import time
from collections import Counter

import pytest

from benchmarks.soak import analysis_processes
from tests.fixtures.app import wait_for
from tests.fixtures.finder_role import BAD_KINDS, build_finder_role
from tests.fixtures.planted import launch_planted_app, start_planted_server

pytestmark = [pytest.mark.slow]
KINDS = ["good", "flaky", "noisy", "good", "flaky", "clipped", "good", "flaky", "other_voice", "good", "flaky",
         "wrong_text", "good", "good"]


def import_role(client, role_data, name: str):
    role = client.predict("找参考", name, api_name="/create_role")["role"]
    assert client.predict(role, str(role_data.list_path), True, api_name="/import_list")["imported"] == len(KINDS)
    clips = client.predict(role, api_name="/list_clips")["clips"]
    return role, {c["id"]: role_data.truth[c["text"]] for c in clips}


def finished(client, role, run_id, timeout=900):
    return wait_for(lambda: (s := client.predict(role, run_id, api_name="/find_reference_status"))["stage"]
                    in ("done", "failed") and s, timeout=timeout, interval=2, what=f"finder run {run_id}")


@pytest.fixture(scope="module")
def planted_role(tmp_path_factory):
    """An app on a planted server and an imported role of known references."""
    tmp_path = tmp_path_factory.mktemp("finder_api")
    role_data = build_finder_role(tmp_path / "clips", KINDS)
    server = start_planted_server(tmp_path, role_data.profiles)
    app = None
    try:
        app = launch_planted_app(tmp_path, [server])
        client = app.client()
        role, kind_of = import_role(client, role_data, "接口")
        yield client, role, kind_of, server, app
    finally:
        if app is not None:
            app.stop()
        server.kill()


@pytest.mark.timeout(1200)  # every take is analysed with ASR, DNSMOS and a speaker encoder
def test_the_shortlist_holds_only_good_references_and_bad_clips_are_screened_out(planted_role):
    client, role, kind_of, server, _ = planted_role
    models = client.predict(api_name="/list_models")
    spec = {"gpt": models["gpt"][0]["name"], "sovits": models["sovits"][0]["name"], "shortlist": 3}
    run_id = client.predict(role, spec, api_name="/find_reference")["run_id"]
    status = finished(client, role, run_id)
    assert status["stage"] == "done", status["error"]
    assert status["settled"] is True  # stored once every take's analysis landed

    excluded = {row["clip_id"]: row["reasons"] for row in status["screened"] if row["excluded"]}
    for clip_id, kind in kind_of.items():
        assert (clip_id in excluded) == (kind in BAD_KINDS), (clip_id, kind, excluded.get(clip_id))
    reason_codes = {kind_of[c]: {r.split(":")[0] for r in reasons} for c, reasons in excluded.items()}
    assert "noisy" in reason_codes["noisy"] and "clipped" in reason_codes["clipped"]
    assert "other_voice" in reason_codes["other_voice"] and "implausible_text" in reason_codes["wrong_text"]

    assert len(status["shortlist"]) == 3
    assert all(kind_of[c] == "good" for c in status["shortlist"]), [(c, kind_of[c]) for c in status["shortlist"]]
    assert [r["clip_id"] for r in status["ranking"][:3]] == status["shortlist"]
    top = status["ranking"][0]
    assert top["low"] <= top["score"] <= top["high"] and top["takes"] >= 6
    assert top["reasons"][0].startswith("failures:")
    # every take behind the ranking was made once by the engine, and the budget held
    takes = server.takes()
    assert len(takes) == status["jobs_done"] == sum(r["takes"] for r in status["ranking"])
    assert status["jobs_done"] <= status["budget_jobs"] < 0.4 * status["full_grid_jobs"]
    assert max(Counter((t["ref_sha256"], t["text"], t["seed"]) for t in takes).values()) == 1

    # one call puts the shortlist into a blind comparison: one candidate per reference
    blind = client.predict(role, run_id, api_name="/finder_compare_blind")
    assert sorted(c["clip_id"] for c in blind["candidates"]) == sorted(status["shortlist"])
    pair = client.predict(role, blind["session_id"], api_name="/ab_next")
    assert pair["pair_id"] is not None and pair["a"] != pair["b"]
    assert client.predict(role, run_id, api_name="/finder_compare_blind")["task_id"] == blind["task_id"]


def test_a_forced_clip_is_probed_and_a_run_can_be_deleted(planted_role):
    client, role, kind_of, _, _ = planted_role
    run_id = client.predict(role, {"shortlist": 2, "budget_jobs": 12}, api_name="/find_reference")["run_id"]
    status = finished(client, role, run_id)
    noisy = next(c for c, k in kind_of.items() if k == "noisy")
    assert noisy not in {r["clip_id"] for r in status["ranking"]}
    forced = client.predict(role, run_id, noisy, True, api_name="/force_finder_clip")
    assert forced == {"clip_id": noisy, "forced": True, "excluded": False}
    status = finished(client, role, run_id)
    assert status["stage"] == "done"
    assert noisy in {r["clip_id"] for r in status["ranking"]}
    row = next(r for r in status["screened"] if r["clip_id"] == noisy)
    assert row["forced"] and row["reasons"]  # it keeps the reason it was flagged for

    with pytest.raises(Exception, match="unknown spec key"):
        client.predict(role, {"clips": [1]}, api_name="/find_reference")
    deleted = client.predict(role, run_id, api_name="/delete_finder_run")
    assert deleted["deleted"] == run_id
    assert run_id not in {r["run_id"] for r in client.predict(role, api_name="/list_finder_runs")["runs"]}
    with pytest.raises(Exception, match="not found"):
        client.predict(role, run_id, api_name="/find_reference_status")


def pending_analysis(client, role, task_ids) -> tuple[int, int]:
    """(jobs queued or running, finished takes whose analysis has neither landed nor failed) over these tasks."""
    counts = [client.predict(role, task_id, api_name="/task_status") for task_id in task_ids]
    return (sum(c["queued"] + c["running"] for c in counts),
            sum(c["done"] - c["analysed"] - c["analysis_failed"] for c in counts))


def settled_status(client, role, run_id, timeout=900):
    return wait_for(lambda: (s := client.predict(role, run_id, api_name="/find_reference_status"))["settled"] and s,
                    timeout=timeout, interval=1, what=f"finder run {run_id} settled")


@pytest.mark.timeout(1200)
def test_settled_waits_for_the_last_analysis_and_nothing_follows_it(planted_role):
    """With every analysis process stopped, a forced clip's round is synthesized but not analysed: the run is
    not settled until the analysis lands, and once settled no job is added and nothing changes."""
    client, role, kind_of, _, app = planted_role
    run_id = client.predict(role, {"shortlist": 2, "budget_jobs": 12}, api_name="/find_reference")["run_id"]
    status = settled_status(client, role, run_id)
    assert status["stage"] == "done" and pending_analysis(client, role, status["task_ids"]) == (0, 0)

    stopped = list(analysis_processes(app.process.pid))
    assert stopped, "no analysis process to stop"
    clipped = next(c for c, k in kind_of.items() if k == "clipped")
    try:
        for pid in stopped:
            os.kill(pid, signal.SIGSTOP)
        client.predict(role, run_id, clipped, True, api_name="/force_finder_clip")
        waited = []
        deadline = time.monotonic() + 60  # well inside the watchdog's limit: the stopped processes stay
        while time.monotonic() < deadline and len(waited) < 5:
            status = client.predict(role, run_id, api_name="/find_reference_status")
            busy, unanalysed = pending_analysis(client, role, status["task_ids"])
            assert not status["settled"], (status["stage"], busy, unanalysed)
            if status["stage"] == "probe" and not busy and unanalysed:
                waited.append(unanalysed)  # every take made, none analysed: waiting for analysis only
            time.sleep(1)
        assert waited, "the forced clip's round was never waiting for analysis alone"
    finally:
        for pid in stopped:
            with contextlib.suppress(ProcessLookupError):  # replaced by the watchdog meanwhile
                os.kill(pid, signal.SIGCONT)
    status = settled_status(client, role, run_id)
    assert status["stage"] == "done" and clipped in {r["clip_id"] for r in status["ranking"]}
    assert pending_analysis(client, role, status["task_ids"]) == (0, 0)
    time.sleep(8)  # several rounds of the driver's re-check: nothing more may come
    again = client.predict(role, run_id, api_name="/find_reference_status")
    assert again["settled"] and (again["jobs_done"], again["task_ids"]) == (status["jobs_done"], status["task_ids"])


@pytest.mark.timeout(1200)  # every take is analysed with ASR, DNSMOS and a speaker encoder
def test_a_run_continues_after_the_app_is_killed(tmp_path):
    role_data = build_finder_role(tmp_path / "clips", KINDS)
    server = start_planted_server(tmp_path, role_data.profiles)
    app = None
    try:
        app = launch_planted_app(tmp_path, [server])
        client = app.client()
        role, kind_of = import_role(client, role_data, "重启")
        run_id = client.predict(role, {"shortlist": 2}, api_name="/find_reference")["run_id"]
        wait_for(lambda: client.predict(role, run_id, api_name="/find_reference_status")["jobs_done"] >= 5,
                 timeout=300, interval=0.5, what="a few probe takes")
        os.kill(app.process.pid, signal.SIGKILL)  # no clean shutdown, as in a crash
        app.process.wait(timeout=10)
        before = len(server.takes())
        app = launch_planted_app(tmp_path, [server])
        client = app.client()
        status = finished(client, role, run_id)
        assert status["stage"] == "done", status["error"]
        takes = server.takes()
        assert len(takes) > before
        # nothing finished before the kill was synthesized again (one job may have been in flight)
        repeats = sum(n - 1 for n in Counter((t["ref_sha256"], t["text"], t["seed"]) for t in takes).values())
        assert repeats <= 1
        assert status["shortlist"] and all(kind_of[c] == "good" for c in status["shortlist"])
    finally:
        if app is not None:
            app.stop()
        server.kill()
