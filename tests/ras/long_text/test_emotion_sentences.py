"""A long text with emotion tags: each sentence gets its emotion and the product's reference for it, an
untagged sentence keeps the emotion before it, and a tag nothing can resolve stops the run before any job."""
from __future__ import annotations

import json

import pytest
from sqlmodel import func, select

from ras.emotions import Reference, TaggedPiece
from ras.errors import InputError
from ras.long_text import runs as long_text
from ras.long_text.emotion_sentences import emotion_sentences, refuse_tags
from ras.long_text.status import run_status
from ras.products import emotions as product_emotions
from ras.products import rows as products
from ras.queue.jobs import build_request
from ras.store.role_tables import Job, Task

HAPPY = Reference("happy", "products/1/happy.wav", "Said with joy.", "en")
SAD = Reference("sad", "products/1/sad.wav", "Said in tears.", "en")
DEFAULT = Reference("", "products/1/ref.wav", "Plain words.", "en")
TAGGED = "Good morning to you. [开心]We won the match! It was great. (sad)But the bus left. 【平静】We walked home."


def test_untagged_sentences_keep_the_emotion_before_them_and_start_with_the_default():
    pieces = [TaggedPiece(DEFAULT, "Good morning to you."), TaggedPiece(HAPPY, "We won the match! It was great."),
              TaggedPiece(SAD, "But the bus left.")]
    found = emotion_sentences("", pieces, "cut5", "en")
    assert [(s.text, s.emotion) for s in found] == [
        ("Good morning to you.", "neutral"), ("We won the match!", "happy"), ("It was great.", "happy"),
        ("But the bus left.", "sad")]
    assert found[0].reference is None and found[0].reference_json == ""  # the configuration's own clip
    assert json.loads(found[2].reference_json) == {"ref_audio": "products/1/happy.wav",
                                                   "prompt_text": "Said with joy.", "prompt_lang": "en"}


def test_a_sentence_never_spans_two_emotions_even_when_the_method_groups_sentences():
    pieces = [TaggedPiece(HAPPY, "One. Two. Three."), TaggedPiece(SAD, "Four. Five.")]
    found = emotion_sentences("", pieces, "cut1", "en")  # cut1 would group the five sentences in one
    assert [(s.text, s.emotion) for s in found] == [("One. Two. Three.", "happy"), ("Four. Five.", "sad")]


def test_without_a_product_the_text_is_split_as_before_and_tags_are_refused():
    found = emotion_sentences("First one here. Second one here.", None, "cut5", "en")
    assert [(s.text, s.emotion, s.reference) for s in found] == [
        ("First one here.", "", None), ("Second one here.", "", None)]
    refuse_tags("A (quiet) word inside a sentence is text.")
    refuse_tags("(1) Mix the flour. (aside) A bracket that names no emotion opens a sentence as text.")
    with pytest.raises(InputError, match=r"开心.*choose a product"):
        refuse_tags("Hello there. [开心]Now I am glad.")


@pytest.fixture
def hero(setup):
    """Role 成品-甲's result made into product "hero", with a happy (clip 2) and a sad (clip 1) reference."""
    ws, role, _, result_id, _ = setup
    product_id = products.create_product(ws=ws, role=role, result_id=result_id, name="hero")
    product_emotions.set_product_emotion(ws=ws, role=role, product_id=product_id, emotion="开心", clip_id=2,
                                         prompt_text="Said with joy.")
    product_emotions.set_product_emotion(ws=ws, role=role, product_id=product_id, emotion="sad", clip_id=1)
    return ws, role, result_id, product_id


def job_count(ws, role) -> int:
    with ws.role_session(role) as session:
        return session.exec(select(func.count()).select_from(Job)).one()


def test_a_run_with_a_product_speaks_each_sentence_with_its_emotions_reference(hero):
    ws, role, result_id, product_id = hero
    pieces = product_emotions.product_pieces(ws=ws, role=role, product_id=product_id, text=TAGGED)
    started = long_text.start_long_text(ws=ws, role=role, result_ids=[result_id], text=TAGGED,
                                        options={"product_id": product_id}, pieces=pieces)
    assert started.emotions == ("neutral", "happy", "happy", "sad", "neutral")
    assert started.sentences[1] == "We won the match!"  # the result's configuration splits with cut5
    held = products.get_product(ws=ws, role=role, product_id=product_id).emotions
    role_dir = ws.role_dir(role)
    with ws.role_session(role) as session:
        assert json.loads(session.get(Task, started.task_id).spec_json)["product_id"] == product_id
        jobs = session.exec(select(Job).where(Job.task_id == started.task_id).order_by(Job.id)).all()
        sent = [build_request(ws, role, session, job) for job in jobs]
        clip_audio = build_request(ws, role, session, session.get(Job, result_id)).ref_audio_path
    assert [s.ref_audio_path for s in sent] == [
        clip_audio, held["happy"].ref_audio, held["happy"].ref_audio, held["sad"].ref_audio, clip_audio]
    assert sent[1].prompt_text == "Said with joy." and sent[3].prompt_text == "Reference number 0 speaking."
    assert sent[1].ref_audio_path.startswith(str(role_dir / "products"))
    assert sent[1].top_k == sent[0].top_k == 7  # weights and parameters stay the configuration's
    rows = run_status(ws=ws, role=role, run_id=started.run_id).parts[0].sentences
    assert [r.emotion for r in rows] == ["neutral", "happy", "happy", "sad", "neutral"]


def test_an_unknown_tag_names_the_products_emotions_before_any_job_is_queued(hero):
    ws, role, result_id, product_id = hero
    before = job_count(ws, role)
    with pytest.raises(InputError, match=r"no emotion '生气'.*neutral, happy, sad"):
        product_emotions.product_pieces(ws=ws, role=role, product_id=product_id,
                                        text="Fine. [开心]Good. [生气]How dare you.")
    with pytest.raises(InputError, match="choose a product"):
        long_text.start_long_text(ws=ws, role=role, result_ids=[result_id], text="Fine. [开心]Good news.")
    assert job_count(ws, role) == before


def test_a_product_alone_reads_with_the_result_it_was_made_from(hero):
    ws, role, result_id, product_id = hero
    assert products.source_result(ws=ws, role=role, product_id=product_id) == result_id
