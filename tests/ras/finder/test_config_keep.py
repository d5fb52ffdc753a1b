"""What a finished checkpoint search hands on: the recommended pair kept as a product, the finalists heard blind."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, delete, select

from ras.ab import sessions
from ras.errors import Conflict, NotFound
from ras.finder import compare, config_pick, config_run
from ras.finder import run as finder_runs
from ras.finder.configs import epoch_of
from ras.library import importer, roles
from ras.products import rows as products
from ras.store.role_tables import Job, ParamSet
from ras.store.workspace import Workspace
from tests.fixtures.app import write_tone
from tests.fixtures.checkpoint_run import play_rounds
from tests.fixtures.planted_checkpoints import DEFAULT_GPT, DEFAULT_SOVITS, write_checkpoints


@pytest.fixture
def search(tmp_path):
    """A role with two references and a checkpoint search over 3 GPT x 2 SoVITS files that heard both,
    clip 2 first (the top of a shortlist)."""
    ws = Workspace(tmp_path / "roles")
    role = roles.create_role(ws=ws, category="女性", name="检查")
    lines = []
    for i in range(2):
        write_tone(tmp_path / f"ref{i}.wav", 4.0, freq=200 + 30 * i, seed=i)
        lines.append(f"{tmp_path / f'ref{i}.wav'}|s|en|A calm reference voice number {i}.")
    (tmp_path / "r.list").write_text("\n".join(lines), encoding="utf-8")
    importer.import_list(ws=ws, role=role, list_path=tmp_path / "r.list")
    weights = write_checkpoints(tmp_path / "weights", {e: DEFAULT_GPT[e] for e in (5, 15, 50)},
                                {e: DEFAULT_SOVITS[e] for e in (8, 16)})
    run_id = config_run.create_config_run(ws=ws, role=role, resolve_weight=lambda kind, weight: weight, spec={
        "mode": "checkpoints", "gpt": [str(f) for f in weights.gpt.values()],
        "sovits": [str(f) for f in weights.sovits.values()], "clip_ids": [2, 1], "shape": "grid"})
    yield ws, role, run_id
    ws.close()


def finished(search):
    ws, role, run_id = search
    play_rounds(ws, role, run_id, failing_gpt="voice-e50.ckpt")
    return finder_runs.load_run(ws, role, run_id)


def test_the_recommended_pair_becomes_a_product_with_its_weights_settings_and_top_reference(search):
    ws, role, run_id = search
    run = finished(search)
    recommended = config_run.candidates_of(run.spec)[run.shortlist[0]]
    kept = config_pick.candidate_take(ws=ws, role=role, run_id=run_id)
    assert kept.index == run.shortlist[0] and kept.label == recommended.label and kept.reference_id == 2
    gpt, sovits = recommended.params["gpt"], recommended.params["sovits"]
    assert "e50" not in gpt
    assert kept.name == f"{role} e{epoch_of('gpt', gpt)}×e{epoch_of('sovits', sovits)}"  # e.g. "女性-检查 e15×e8"
    product_id = products.create_product(ws=ws, role=role, result_id=kept.result_id, name=kept.name)
    product = products.get_product(ws=ws, role=role, product_id=product_id)
    assert (product.gpt_weights, product.sovits_weights) == (gpt, sovits)
    assert product.source_clip_id == 2 and product.prompt_text == "A calm reference voice number 1."
    assert {"top_k", "top_p", "temperature"} <= set(product.parameters)

    # another row of the ranking, by its index; its take is one without failure flags when it has one
    other = next(r for r in run.ranking if r["index"] != kept.index and r["takes"])
    chosen = config_pick.candidate_take(ws=ws, role=role, run_id=run_id, index=other["index"])
    with ws.role_session(role) as session:
        take = session.get(Job, chosen.result_id)
        candidate_of = {ps.id: ps.params["gpt"] for ps in session.exec(select(ParamSet)).all()}
    assert take.clip_id == 2 and candidate_of[take.param_set_id] == other["candidate"]["params"]["gpt"]
    assert not take.flags or other["failed_takes"] == other["takes"]


def test_keeping_a_candidate_says_what_to_do_when_the_run_or_the_candidate_cannot_give_one(search):
    ws, role, run_id = search
    with pytest.raises(Conflict, match="still in stage 'probe'"):
        config_pick.candidate_take(ws=ws, role=role, run_id=run_id)
    with pytest.raises(Conflict, match="compare its finalists when it is done"):
        compare.comparison_task(ws=ws, role=role, run_id=run_id)
    run = finished(search)
    with pytest.raises(NotFound, match="candidate 99 has no takes"):
        config_pick.candidate_take(ws=ws, role=role, run_id=run_id, index=99)
    with ws.role_session(role) as session:  # the candidate's takes are gone (e.g. deleted by hand)
        session.exec(delete(Job).where(col(Job.task_id).in_(run.task_ids), Job.clip_id == 2))
        session.commit()
    with pytest.raises(NotFound, match="no finished take with reference #2"):
        config_pick.candidate_take(ws=ws, role=role, run_id=run_id)
    with pytest.raises(NotFound, match="not found"):
        config_pick.candidate_take(ws=ws, role=role, run_id=run_id + 1)


def test_the_finalists_are_heard_blind_through_the_top_reference_from_their_probe_takes(search):
    ws, role, run_id = search
    run = finished(search)
    labels = [config_run.candidates_of(run.spec)[i].label for i in run.shortlist]
    assert 2 <= len(labels) <= compare.BLIND_CANDIDATES
    task_id = compare.comparison_task(ws=ws, role=role, run_id=run_id)
    started = sessions.start_session(ws=ws, role=role, task_id=task_id)
    assert sorted(c.label for c in started.candidates) == sorted(labels)
    assert {c.clip_id for c in started.candidates} == {2}
    with ws.role_session(role) as session:
        probe_takes = session.exec(select(Job).where(col(Job.task_id).in_(run.task_ids), Job.clip_id == 2,
                                                     Job.status == "done")).all()
        sets = {ps.id: ps.label for ps in session.exec(select(ParamSet)).all()}
    made = {label: sum(1 for j in probe_takes if sets[j.param_set_id].rsplit(" seed=", 1)[0] == label)
            for label in labels}
    assert {c.label: c.takes for c in started.candidates} == made  # nothing synthesized, every take in play
    pair = sessions.next_pair(ws=ws, role=role, session_id=started.session_id)
    assert pair.pair_id is not None and pair.a != pair.b and pair.text
    assert all(Path(path).read_bytes()[:4] == b"RIFF" for path in (pair.a, pair.b))
    assert compare.comparison_task(ws=ws, role=role, run_id=run_id) == task_id  # made once, then reused
