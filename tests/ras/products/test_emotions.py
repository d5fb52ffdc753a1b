"""A product with emotions: a reference per emotion, chosen by /tts's emotion or by inline tags in the
text (untagged sentences keep the emotion before them); an unknown emotion is refused before anything runs."""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
import soundfile
from sqlalchemy import update

from ras.errors import InputError
from ras.library import clips, importer, roles
from ras.products import emotions as product_emotions
from ras.products import export as product_export
from ras.products import rows as products
from ras.products import speech as product_speech
from ras.store.role_tables import Product
from ras.store.workspace import Workspace
from tests.fixtures import speech
from tests.fixtures.app import write_tone
from tests.fixtures.emotion_role import build_emotion_role
from tests.fixtures.planted_engine import PlantedEngine, save_profiles
from tests.fixtures.products import make_result


class FakeRunner:
    def __init__(self):
        self.requests = []

    def synthesize_now(self, request, out_path):
        self.requests.append(request)
        write_tone(Path(out_path), 1.0, seed=len(self.requests))


@pytest.fixture
def hero(setup, tmp_path):
    """Product "hero" of role 成品-甲 with a happy reference (clip 2) besides its default (clip 1)."""
    ws, role, _, result_id, _ = setup
    product_id = products.create_product(ws=ws, role=role, result_id=result_id, name="hero")
    product_emotions.set_product_emotion(ws=ws, role=role, product_id=product_id, emotion="开心", clip_id=2)
    return ws, role, product_id


def test_a_product_lists_its_emotions_and_replaces_or_removes_one(hero):
    ws, role, product_id = hero
    listed = products.list_products(ws=ws, role=role)[0].emotions
    assert [(name, e.prompt_text, e.prompt_lang, e.clip_id) for name, e in listed.items()] == [
        ("happy", "Reference number 1 speaking.", "en", 2)]
    first_copy = Path(listed["happy"].ref_audio)
    assert first_copy.is_file() and "/products/" in str(first_copy)
    again = product_emotions.set_product_emotion(ws=ws, role=role, product_id=product_id, emotion="happy",
                                                 clip_id=1, prompt_text="Said with joy.")
    assert [(name, e.prompt_text, e.clip_id) for name, e in again.emotions.items()] == [
        ("happy", "Said with joy.", 1)]
    assert not first_copy.exists()  # the replaced reference's copy goes
    gone = product_emotions.remove_product_emotion(ws=ws, role=role, product_id=product_id, emotion="高兴")
    assert gone.emotions == {}
    with pytest.raises(InputError, match="has no emotion 'happy'"):
        product_emotions.remove_product_emotion(ws=ws, role=role, product_id=product_id, emotion="happy")


def test_tts_speaks_with_the_emotions_reference_and_refuses_an_unknown_one(hero):
    ws, role, _ = hero
    runner = FakeRunner()
    product_speech.tts(ws=ws, runner=runner, product="hero", text="Good morning.", text_lang="en", emotion="happy")
    product_speech.tts(ws=ws, runner=runner, product="hero", text="Good morning.", text_lang="en")
    happy, default = runner.requests
    assert "emotion-" in happy.ref_audio_path and default.ref_audio_path.endswith("/ref.wav")
    assert happy.aux_ref_audio_paths == default.aux_ref_audio_paths  # one timbre set for every emotion
    assert (happy.top_k, happy.gpt_weights) == (default.top_k, default.gpt_weights)
    with pytest.raises(InputError, match=r"no emotion 'sad'; it has: neutral, happy"):
        product_speech.tts(ws=ws, runner=runner, product="hero", text="Hi.", text_lang="en", emotion="sad")
    with pytest.raises(InputError, match=r"no emotion '生气'; it has: neutral, happy"):  # before anything runs
        product_speech.tts(ws=ws, runner=runner, product="hero", text="Hi. [开心]Yes! [生气]No.", text_lang="en")
    assert len(runner.requests) == 2


def test_inline_tags_switch_the_reference_and_untagged_sentences_keep_the_one_before(hero):
    ws, role, _ = hero
    runner = FakeRunner()
    wav = product_speech.tts(ws=ws, runner=runner, product="hero", text_lang="en",
                             text="Plain start. [happy]Great news! Still glad. (neutral)Back to calm. (开心)Again.")
    sent = [(Path(r.ref_audio_path).name.startswith("emotion-"), r.text) for r in runner.requests]
    assert sent == [(False, "Plain start."), (True, "Great news! Still glad."), (False, "Back to calm."),
                    (True, "Again.")]
    assert soundfile.info(str(wav)).duration > 4 * 1.0  # the pieces joined into one wav
    assert [p.name for p in wav.parent.glob("*.wav")] == [wav.name]  # the pieces' own files are gone


TAGGED_TEXT = (  # 12 sentences; the emotion each must be spoken with
    ("neutral", "The train leaves at nine."), ("neutral", "Bring a warm coat."),
    ("happy", "[开心]We won the prize!"), ("happy", "Everyone is cheering."), ("happy", "What a day."),
    ("sad", "(sad)The old dog is gone."), ("sad", "The house feels empty."),
    ("happy", "[happy]But the puppy arrived!"), ("happy", "She runs everywhere."),
    ("sad", "【难过】Then the rain came back."), ("neutral", "(平静)Dinner is at seven."),
    ("neutral", "Please be on time."),
)


def words(sentence: str) -> str:
    """The sentence without its tag, as the engine receives it."""
    return re.sub(r"^(\[[^]]*\]|\([^)]*\)|【[^】]*】)", "", sentence).strip()


@pytest.mark.skipif(not speech.tools_available(), reason="needs espeak-ng and sox")
def test_a_tagged_long_text_speaks_every_sentence_with_its_emotions_reference(tmp_path):
    """Benchmark line: share of the 12 sentences the planted engine spoke with their emotion's reference."""
    role = build_emotion_role(tmp_path / "emo")
    ws = Workspace(tmp_path / "roles")
    name = roles.create_role(ws=ws, category="情感", name="长文本")
    importer.import_list(ws=ws, role=name, list_path=role.lists["tag_zh"])
    product_id = products.create_product(ws=ws, role=name, result_id=make_result(ws, name, tmp_path), name="voice")
    with ws.role_session(name) as session:  # the planted engine keeps the weights it has
        session.execute(update(Product).values(gpt_weights="", sovits_weights=""))
        session.commit()
    by_emotion = {}
    for clip in clips.list_clips(ws=ws, role=name).clips:
        by_emotion.setdefault(clip.emotion, []).append(clip)
    for emotion in ("happy", "sad"):
        good = next(c for c in by_emotion[emotion] if role.truth[c.text][1] == "good")
        product_emotions.set_product_emotion(ws=ws, role=name, product_id=product_id, emotion=emotion,
                                             clip_id=good.id)
    engine = PlantedEngine(save_profiles(tmp_path / "profiles.json", role.profiles))

    class EngineRunner:
        def synthesize_now(self, request, out_path):
            engine.synthesize(request, out_path)

    text = " ".join(sentence for _, sentence in TAGGED_TEXT)
    wav = product_speech.tts(ws=ws, runner=EngineRunner(), product="voice", text=text, text_lang="en")
    expected = {words(sentence): emotion for emotion, sentence in TAGGED_TEXT}
    spoken = {}
    for take in engine.takes:
        for sentence in re.findall(r"[^.!?]+[.!?]", take["text"]):
            spoken[sentence.strip()] = take["emotion"]
    right = sum(spoken.get(sentence) == emotion for sentence, emotion in expected.items())
    print(f"\nsentences spoken with their emotion's reference: {right}/{len(expected)} "
          f"({right / len(expected):.0%}) in {len(engine.takes)} requests")
    assert right == len(expected) == 12 and len(engine.takes) == 6
    assert soundfile.info(str(wav)).duration > 12
    ws.close()


def test_the_export_bundle_holds_every_emotion_for_api_v2_and_gsvi(hero):
    ws, role, product_id = hero
    product_emotions.set_product_emotion(ws=ws, role=role, product_id=product_id, emotion="激动", clip_id=1,
                                         prompt_text="Loud words.", prompt_lang="en")
    with zipfile.ZipFile(product_export.export_product(ws=ws, role=role, product_id=product_id)) as bundle:
        names = set(bundle.namelist())
        settings = json.loads(bundle.read("settings.json"))
        gsvi = json.loads(bundle.read("gsvi/hero/infer_config.json"))
        happy_body = json.loads(bundle.read("api_v2_request_happy.json"))
        happy_wav = bundle.read("emotion_happy.wav")
    assert {"emotion_happy.wav", "emotion_激动.wav", "gsvi/hero/emotion_happy.wav", "api_v2_request_激动.json"} <= names
    assert settings["emotions"]["激动"] == {"ref_audio": "emotion_激动.wav", "prompt_text": "Loud words.",
                                          "prompt_lang": "en"}
    assert set(gsvi["emotion_list"]) == {"default", "开心", "激动"}
    assert gsvi["emotion_list"]["开心"]["ref_wav_path"] == "emotion_happy.wav"
    assert happy_body["ref_audio_path"].endswith(".wav") and "emotion-" in happy_body["ref_audio_path"]
    assert happy_body["prompt_text"] == "Reference number 1 speaking."
    clip2 = clips.get_clip(ws=ws, role=role, clip_id=2)
    assert happy_wav == clips.clip_audio_path(ws, role, clip2).read_bytes()
