"""Emotion tags from the speech-emotion model: a background job over the clips nothing has tagged, with
progress, run end to end with a tiny random-weight emotion2vec built from FunASR's own classes."""
import pytest

from ras.analysis.emotion_tagging import EmotionTagger, store_answers
from ras.emotions import EMOTIONS
from ras.errors import NotFound
from ras.library import clips, emotion_tags, importer, roles
from ras.metrics.asr_models import AsrSearch
from ras.metrics.emotion_model import Recognized, find_emotion_model
from ras.store.workspace import Workspace
from tests.fixtures import speech
from tests.fixtures.app import write_tone
from tests.fixtures.emotion_role import build_emotion_role

ROLE = "情感-模型"


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace(tmp_path / "roles")
    roles.create_role(ws=workspace, category="情感", name="模型")
    yield workspace
    workspace.close()


def test_a_late_model_answer_never_replaces_a_persons_tag(ws, tmp_path):
    for i in range(2):
        write_tone(tmp_path / f"{i}.wav", 4.0, seed=i)
    (tmp_path / "a.list").write_text("0.wav|s|zh|一\n1.wav|s|zh|二\n", encoding="utf-8")
    importer.import_list(ws=ws, role=ROLE, list_path=tmp_path / "a.list")
    emotion_tags.set_clip_emotion(ws=ws, role=ROLE, clip_ids=[1], emotion="难过")  # while the model listened
    stored = store_answers(ws, ROLE, {1: Recognized("happy", 0.7), 2: Recognized("happy", 0.7)})
    rows = {c.id: (c.emotion, c.emotion_source, c.emotion_confidence) for c in clips.list_clips(ws=ws, role=ROLE).clips}
    assert stored == 1 and rows == {1: ("sad", "person", 1.0), 2: ("happy", "model", 0.7)}


def test_without_a_model_the_job_says_where_to_put_one(ws, tmp_path):
    tagger = EmotionTagger(ws, lambda: find_emotion_model(AsrSearch(modelscope_roots=(tmp_path / "none",))))
    with pytest.raises(NotFound, match="--emotion-model"):
        tagger.start(ROLE)
    assert tagger.status(ROLE).state == "idle"


@pytest.mark.skipif(not speech.tools_available(), reason="needs espeak-ng and sox")
def test_the_model_tags_new_clips_in_the_background_and_hears_each_clip_once(ws, tmp_path, tiny_funasr):
    role = build_emotion_role(tmp_path / "emo", emotions=("neutral", "happy"),
                              kinds={"neutral": ("good",) * 3, "happy": ("good",) * 3})
    importer.import_list(ws=ws, role=ROLE, list_path=role.lists["untagged"])
    emotion_tags.set_clip_emotion(ws=ws, role=ROLE, clip_ids=[1], emotion="平静")
    tagger = EmotionTagger(ws, lambda: find_emotion_model(AsrSearch(
        modelscope_roots=(tiny_funasr.modelscope_cache,))))
    assert tagger.start(ROLE).state == "running"
    job = tagger.wait(ROLE, timeout=300)
    assert (job.state, job.done, job.total, job.model) == ("done", 5, 5, "iic/emotion2vec_plus_base"), job
    rows = clips.list_clips(ws=ws, role=ROLE).clips
    assert (rows[0].emotion, rows[0].emotion_source) == ("neutral", "person")  # a person's tag is not heard
    heard = rows[1:]
    assert {c.emotion_source for c in heard} == {"model"}
    assert all(c.emotion in EMOTIONS or c.emotion == "" for c in heard)  # random weights: any of the classes
    assert all(0 < c.emotion_confidence <= 1 for c in heard)
    assert job.tagged == sum(bool(c.emotion) for c in heard)
    again = tagger.start(ROLE)  # cached in the role DB: nothing new to hear
    assert tagger.wait(ROLE, timeout=60).total == 0 and again.role == ROLE
