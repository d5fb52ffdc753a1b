"""A product's timbre set, measured on the real queue with the planted engine in-process: its emotions'
takes sound like one speaker with the set and like different people without it; v3 weights, which
ignore extra references, are refused before anything is queued."""
from __future__ import annotations

import time
from dataclasses import replace

import pytest
from sqlmodel import select

from gsv_integration.weights import describe_weight
from ras.errors import InputError, NotFound
from ras.library.clips import list_clips
from ras.library.importer import import_list
from ras.library.roles import create_role
from ras.metrics.speaker import load_encoder
from ras.products import emotions as product_emotions
from ras.products import rows as products
from ras.products import timbre
from ras.queue import tasks
from ras.queue.runner import Runner
from ras.store.role_tables import Clip, Job
from ras.store.workspace import Workspace
from tests.fixtures.emotion_role import build_emotion_role
from tests.fixtures.planted_checkpoints import write_checkpoints
from tests.fixtures.planted_engine import PlantedEngine, WeightProfile, save_profiles

pytestmark = [pytest.mark.slow]
EMOTIONS = ("neutral", "happy", "sad")


@pytest.fixture
def voice(tmp_path):
    """Role with 2 good clips per emotion, a runner on the planted engine, and clip ids by emotion."""
    data = build_emotion_role(tmp_path / "clips", EMOTIONS, kinds={e: ("good", "good") for e in EMOTIONS})
    # only the timbre is measured here: no take carries a planted failure
    profiles = save_profiles(tmp_path / "profiles.json",
                             {sha: replace(p, fail_rate=0.0) for sha, p in data.profiles.items()})
    ws = Workspace(tmp_path / "roles")
    role = create_role(ws=ws, category="情感", name="音色")
    import_list(ws=ws, role=role, list_path=data.lists["untagged"])
    by_emotion = {e: [] for e in EMOTIONS}
    for clip in list_clips(ws=ws, role=role).clips:
        by_emotion[data.truth[clip.text][0]].append(clip.id)
    engine = PlantedEngine(profiles)
    runner = Runner(ws, lambda: [engine])
    yield ws, runner, engine, role, by_emotion, tmp_path
    runner.shutdown()
    ws.close()


def run_to_end(ws, runner, role, task_id, timeout=600) -> None:
    runner.run_task(role, task_id)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with ws.role_session(role) as session:
            counts = tasks.status_counts(session, task_id)
        if counts["queued"] == counts["running"] == 0:
            return
        time.sleep(0.2)
    raise TimeoutError(f"task {task_id}: {counts}")


def product_of(ws, runner, role, clip_id, name, **base) -> int:
    """A product made from a finished take of `clip_id` (its default reference), as a person keeps one."""
    text_id = timbre.check_text_ids(ws=ws, lang="en")[0]
    task_id = tasks.create_task(ws=ws, role=role, spec={"clip_ids": [clip_id], "text_ids": [text_id],
                                                        "base": {"seed": 7, **base}},
                                resolve_weight=lambda kind, value: value).task_id
    run_to_end(ws, runner, role, task_id)
    with ws.role_session(role) as session:
        (result_id,) = session.exec(select(Job.id).where(Job.task_id == task_id)).all()
    return products.create_product(ws=ws, role=role, result_id=result_id, name=name)


@pytest.mark.timeout(900)
def test_a_timbre_set_makes_every_emotion_sound_like_one_speaker(voice):
    ws, runner, engine, role, by_emotion, _ = voice
    product_id = product_of(ws, runner, role, by_emotion["neutral"][0], "voice")
    for emotion in ("happy", "sad"):
        product_emotions.set_product_emotion(ws=ws, role=role, product_id=product_id, emotion=emotion,
                                             clip_id=by_emotion[emotion][0])
    product = timbre.set_timbre_set(ws=ws, role=role, product_id=product_id, clip_ids=by_emotion["neutral"])
    assert product.aux_clip_ids == tuple(by_emotion["neutral"]) and len(product.aux_refs) == 2
    assert all(path.endswith(".wav") and "/products/" in path for path in product.aux_refs)

    task_id = timbre.start_timbre_check(ws=ws, role=role, product_id=product_id)
    before = len(engine.takes)
    run_to_end(ws, runner, role, task_id)
    check = timbre.timbre_check_result(ws=ws, role=role, task_id=task_id, encoder=load_encoder())
    print(f"\nsimilarity between emotions' takes: without timbre set {check.without.similarity}, "
          f"with it {check.with_timbre_set.similarity} ({check.without.pairs} pairs each)")
    takes = engine.takes[before:]
    assert len(takes) == 3 * 2 * 2  # 3 references x 2 texts x without/with
    assert sorted(len(t["aux_sha256"]) for t in takes) == [0] * 6 + [2] * 6
    # the product's own copies speak, each emotion's with its own tone
    assert all("/products/" in t["ref_audio_path"] for t in takes)
    assert sorted(t["emotion"] for t in takes) == sorted(EMOTIONS * 4)
    assert check.references == 3 and check.finished
    for condition in (check.without, check.with_timbre_set):
        assert (condition.done, condition.pending, condition.failed) == (6, 0, 0)
        assert condition.pairs == 12  # 6 takes, pairs of different references only
    assert check.with_timbre_set.similarity > check.without.similarity + 0.08

    cleared = timbre.set_timbre_set(ws=ws, role=role, product_id=product_id, clip_ids=[])
    assert cleared.aux_refs == () and cleared.aux_clip_ids == ()
    assert not list((ws.role_dir(role) / "products" / str(product_id)).glob("timbre-*"))


def test_mistakes_name_the_clip_or_the_reason(voice):
    ws, runner, _, role, by_emotion, tmp_path = voice
    product_id = product_of(ws, runner, role, by_emotion["neutral"][0], "plain")
    with pytest.raises(NotFound, match="clip 999"):
        timbre.set_timbre_set(ws=ws, role=role, product_id=product_id, clip_ids=[999])
    with ws.role_session(role) as session:
        short = session.get(Clip, by_emotion["sad"][1])
        short.duration = 2.0
        session.add(short)
        session.commit()
    with pytest.raises(InputError, match=f"clip {by_emotion['sad'][1]} is 2.0 s"):
        timbre.set_timbre_set(ws=ws, role=role, product_id=product_id, clip_ids=[by_emotion["neutral"][0],
                                                                                  by_emotion["sad"][1]])
    with pytest.raises(InputError, match="no timbre set"):
        timbre.start_timbre_check(ws=ws, role=role, product_id=product_id)
    timbre.set_timbre_set(ws=ws, role=role, product_id=product_id, clip_ids=by_emotion["neutral"])
    with pytest.raises(InputError, match="one reference only"):
        timbre.start_timbre_check(ws=ws, role=role, product_id=product_id)

    weights = write_checkpoints(tmp_path / "weights", {1: WeightProfile()}, {1: WeightProfile()}, version="v3")
    assert describe_weight(weights.sovits[1], kind="sovits")["version"] == "v3"
    v3 = product_of(ws, runner, role, by_emotion["neutral"][0], "v3 voice", gpt=str(weights.gpt[1]),
                    sovits=str(weights.sovits[1]))
    product_emotions.set_product_emotion(ws=ws, role=role, product_id=v3, emotion="happy",
                                         clip_id=by_emotion["happy"][0])
    product = timbre.set_timbre_set(ws=ws, role=role, product_id=v3, clip_ids=by_emotion["neutral"])
    assert timbre.weights_ignore_aux(product)
    made = len(tasks.list_tasks(ws=ws, role=role))
    with pytest.raises(InputError, match="extra references do nothing on v3/v4"):
        timbre.start_timbre_check(ws=ws, role=role, product_id=v3)
    assert len(tasks.list_tasks(ws=ws, role=role)) == made  # nothing queued
