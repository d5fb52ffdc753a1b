"""Split service on a temporary role: proposals, saved pieces as linked clips, texts, errors."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from ras.errors import Conflict, InputError, NotFound
from ras.library import clips, emotion_tags, importer, roles
from ras.split import pieces as split_service
from ras.split.pieces import SplitPiece
from ras.store.workspace import Workspace
from tests.fixtures import speech

needs_speech = pytest.mark.skipif(not speech.tools_available(), reason="needs espeak-ng and sox")
ROLE = "测试-切分"
TEXT = " ".join(speech.PAUSE_SENTENCES)


class FakeTranscriber:
    def __init__(self):
        self.calls = []

    def transcribe(self, path, lang):
        self.calls.append(lang)
        return f"heard {len(self.calls)}"


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace(tmp_path / "roles")
    roles.create_role(ws=workspace, category="测试", name="切分")
    yield workspace
    workspace.close()


def import_clip(ws, tmp_path, path, text=TEXT) -> int:
    listing = tmp_path / f"{path.stem}.list"
    listing.write_text(f"{path}|spk|en|{text}\n", encoding="utf-8")
    report = importer.import_list(ws=ws, role=ROLE, list_path=listing)
    assert report.imported == 1, report.errors
    return max(c.id for c in clips.list_clips(ws=ws, role=ROLE).clips)


@needs_speech
def test_propose_then_save_pieces_as_linked_clips(ws, tmp_path):
    path, pauses = speech.paused_clip(0.7)
    parent = import_clip(ws, tmp_path, path)
    pieces = split_service.propose(ws=ws, role=ROLE, clip_id=parent)
    assert len(pieces) == 3
    for piece, (a, b) in zip(pieces, pauses):
        assert a < piece.end < b
    assert " ".join(p.text for p in pieces) == TEXT

    texts = [pieces[0].text, "edited by hand", None]
    emotion_tags.set_clip_emotion(ws=ws, role=ROLE, clip_ids=[parent], emotion="难过")
    saved = split_service.save_pieces(ws=ws, role=ROLE, clip_id=parent, pieces=pieces, texts=texts)
    assert [c.text_verified for c in saved] == [False, True, False]
    assert saved[1].text == "edited by hand"
    children = [c for c in clips.list_clips(ws=ws, role=ROLE).clips if c.parent_clip_id == parent]
    assert len(children) == 3 and all(c.speaker == "spk" and c.lang == "en" for c in children)
    assert {(c.emotion, c.emotion_source) for c in children} == {("sad", "person")}  # the recording's emotion
    for child, piece in zip(children, pieces):
        assert not child.missing and child.audio.endswith(".wav")
        assert sf.info(child.audio).duration == pytest.approx(piece.end - piece.start, abs=0.01)
        assert child.valid == (3 <= child.duration <= 10)

    with pytest.raises(Conflict, match="already a clip"):  # saving twice adds nothing
        split_service.save_pieces(ws=ws, role=ROLE, clip_id=parent, pieces=pieces)
    assert clips.list_clips(ws=ws, role=ROLE).total == 4
    audio_dir = ws.role_dir(ROLE) / "audio"
    assert len(list(audio_dir.iterdir())) == 4  # no half-saved files left behind


@needs_speech
def test_transcriber_texts_are_used_and_verified(ws, tmp_path):
    parent = import_clip(ws, tmp_path, speech.paused_clip(0.7)[0])
    fake = FakeTranscriber()
    pieces = split_service.propose(ws=ws, role=ROLE, clip_id=parent)
    saved = split_service.save_pieces(ws=ws, role=ROLE, clip_id=parent, pieces=pieces, transcriber=fake)
    assert [c.text for c in saved] == ["heard 1", "heard 2", "heard 3"] and fake.calls == ["en"] * 3
    assert all(c.text_verified for c in saved)


def test_transcribe_without_model_says_how(ws):
    with pytest.raises(InputError, match="--asr-model"):
        split_service.split_clip(ws=ws, role=ROLE, clip_id=1, transcribe=True, asr_model=None)


def test_silent_and_corrupt_clips_are_clear_errors(ws, tmp_path):
    silent = tmp_path / "silent.wav"
    sf.write(str(silent), np.zeros(16000 * 4, dtype=np.int16), 16000)
    clip_id = import_clip(ws, tmp_path, silent, text="silence")
    with pytest.raises(InputError, match="silent"):
        split_service.split_clip(ws=ws, role=ROLE, clip_id=clip_id)
    stored = ws.role_dir(ROLE) / clips.get_clip(ws=ws, role=ROLE, clip_id=clip_id).audio
    stored.write_bytes(b"RIFF not really a wav")
    with pytest.raises(InputError, match="cannot read"):
        split_service.split_clip(ws=ws, role=ROLE, clip_id=clip_id)
    stored.unlink()
    with pytest.raises(NotFound, match="missing"):
        split_service.propose(ws=ws, role=ROLE, clip_id=clip_id)
    assert clips.list_clips(ws=ws, role=ROLE).total == 1


@needs_speech
def test_bad_piece_bounds_save_nothing(ws, tmp_path):
    parent = import_clip(ws, tmp_path, speech.paused_clip(0.7)[0])
    with pytest.raises(InputError, match="piece 2"):
        split_service.save_pieces(ws=ws, role=ROLE, clip_id=parent,
                                  pieces=[SplitPiece(0, 2, 2, ""), SplitPiece(3, 999, 2, "")])
    assert clips.list_clips(ws=ws, role=ROLE).total == 1
    assert len(list((ws.role_dir(ROLE) / "audio").iterdir())) == 1


@needs_speech
def test_previews_and_long_clip_listing(ws, tmp_path):
    parent = import_clip(ws, tmp_path, speech.paused_clip(0.7)[0])
    import_clip(ws, tmp_path, speech.single_utterance(), text="one")
    listed = split_service.long_clips(ws=ws, role=ROLE)
    assert listed[0].id == parent and listed[0].duration > listed[1].duration
    pieces = split_service.propose(ws=ws, role=ROLE, clip_id=parent)
    wave, spec = split_service.preview_images(ws=ws, role=ROLE, clip_id=parent, pieces=pieces)
    assert wave.is_file() and spec.is_file() and ws.role_dir(ROLE) in wave.parents
    rate, samples = split_service.piece_audio(ws=ws, role=ROLE, clip_id=parent, start=pieces[1].start,
                                              end=pieces[1].end)
    assert len(samples) / rate == pytest.approx(pieces[1].end - pieces[1].start, abs=0.01)
