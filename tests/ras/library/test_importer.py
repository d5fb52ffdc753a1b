import os

import pytest
import soundfile

from ras.errors import InputError
from ras.library import clips, importer, roles
from ras.store.workspace import Workspace
from tests.fixtures.app import write_tone


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace(tmp_path / "roles")
    roles.create_role(ws=workspace, category="女性", name="测试")
    yield workspace
    workspace.close()


def make_dataset(folder):
    """Audio in four formats and lengths, plus a corrupt file."""
    write_tone(folder / "ok.wav", 4.0, seed=1)
    write_tone(folder / "sub" / "short.wav", 1.5, seed=2)
    write_tone(folder / "long.wav", 12.0, seed=3)
    data, sr = soundfile.read(str(write_tone(folder / "tmp.wav", 5.0, seed=4)))
    soundfile.write(str(folder / "five.flac"), data, sr)
    data, sr = soundfile.read(str(write_tone(folder / "tmp.wav", 6.0, seed=5)))
    soundfile.write(str(folder / "six.ogg"), data, sr, format="OGG", subtype="VORBIS")
    data, sr = soundfile.read(str(write_tone(folder / "tmp.wav", 7.0, seed=6)))
    soundfile.write(str(folder / "seven.mp3"), data, sr, format="MP3")
    os.remove(folder / "tmp.wav")
    (folder / "broken.wav").write_bytes(b"RIFF\x00\x00garbage")


def test_import_reports_bad_lines_and_marks_reference_length(ws, tmp_path):
    data = tmp_path / "data"
    make_dataset(data)
    listing = data / "train.list"
    listing.write_bytes((
        "\ufeffok.wav|spk|ZH|第一句\r\n"
        "sub\\short.wav|spk|en|too short\r\n"
        "D:\\dataset\\long.wav|spk|ja|長い\r\n"
        "five.flac|spk|yue|五秒\r\n"
        "six.ogg|spk|KO|여섯\r\n"
        "\r\n"
        "seven.mp3|spk|all_zh|七秒\r\n"
        "missing.wav|spk|zh|不存在\r\n"
        "broken.wav|spk|zh|坏文件\r\n"
        "ok.wav|spk|xx|bad lang\r\n"
        "too|few\r\n"
        "ok.wav|spk|zh|\r\n"
    ).encode("utf-8"))
    report = importer.import_list(ws=ws, role="女性-测试", list_path=listing)
    assert report.imported == 6 and report.duplicates == 0
    assert [e.line for e in report.errors] == [8, 9, 10, 11, 12]
    assert "missing.wav" in report.errors[0].reason and "broken.wav" in report.errors[1].reason
    found = clips.list_clips(ws=ws, role="女性-测试", sort="duration").clips
    assert [(c.duration, c.valid) for c in found] == [(1.5, False), (4.0, True), (5.0, True), (6.0, True),
                                                           (7.0, True), (12.0, False)]
    assert {c.lang for c in found} == {"zh", "en", "ja", "yue", "ko", "all_zh"}
    # copied into the role folder
    assert all(c.audio.startswith(str(tmp_path / "roles")) and not c.missing for c in found)


def test_reimport_adds_nothing_and_counts_duplicates(ws, tmp_path):
    write_tone(tmp_path / "a.wav", 4.0, seed=7)
    listing = tmp_path / "a.list"
    listing.write_text("a.wav|s|zh|一\n", encoding="utf-8")
    assert importer.import_list(ws=ws, role="女性-测试", list_path=listing).imported == 1
    again = importer.import_list(ws=ws, role="女性-测试", list_path=listing)
    assert (again.imported, again.duplicates) == (0, 1)
    assert len(clips.list_clips(ws=ws, role="女性-测试").clips) == 1


def test_keep_references_stores_absolute_paths_and_shows_missing_files(ws, tmp_path):
    source = write_tone(tmp_path / "keep.wav", 4.0, seed=8)
    listing = tmp_path / "k.list"
    listing.write_text("keep.wav|s|zh|留\n", encoding="utf-8")
    importer.import_list(ws=ws, role="女性-测试", list_path=listing, copy_audio=False)
    clip = clips.list_clips(ws=ws, role="女性-测试").clips[0]
    assert clip.audio == str(source.resolve()) and not clip.missing
    source.unlink()
    assert clips.list_clips(ws=ws, role="女性-测试").clips[0].missing


def test_a_failure_mid_import_leaves_no_clip_and_no_copied_file(ws, tmp_path, monkeypatch):
    for i in range(3):
        write_tone(tmp_path / f"{i}.wav", 4.0, seed=10 + i)
    listing = tmp_path / "x.list"
    listing.write_text("".join(f"{i}.wav|s|zh|句{i}\n" for i in range(3)), encoding="utf-8")
    real_hash, calls = importer.bytes_hash, []

    def failing_hash(data):
        calls.append(data)
        if len(calls) == 3:
            raise OSError("disk unplugged")
        return real_hash(data)

    monkeypatch.setattr(importer, "bytes_hash", failing_hash)
    with pytest.raises(OSError):
        importer.import_list(ws=ws, role="女性-测试", list_path=listing)
    assert clips.list_clips(ws=ws, role="女性-测试").total == 0
    assert not list((tmp_path / "roles" / "女性-测试" / "audio").glob("*.wav"))


def test_transcripts_implausible_for_their_duration_are_imported_invalid_with_the_reason(ws, tmp_path):
    write_tone(tmp_path / "a.wav", 4.0, seed=21)
    write_tone(tmp_path / "b.wav", 5.0, seed=22)
    listing = tmp_path / "t.list"
    listing.write_text(f"a.wav|s|zh|{'字' * 200_000}\nb.wav|s|en|a sentence that fits five seconds\n",
                       encoding="utf-8")
    assert importer.import_list(ws=ws, role="女性-测试", list_path=listing).imported == 2
    found = clips.list_clips(ws=ws, role="女性-测试", sort="duration").clips
    assert [c.valid for c in found] == [False, True]
    assert "200000 characters, implausible for 4.0 s" in found[0].invalid_reason and found[1].invalid_reason == ""
    with pytest.raises(ValueError, match="implausible for this 5.0 s clip"):
        clips.update_clip(ws=ws, role="女性-测试", clip_id=found[1].id, text="x" * 5000)


ZH_NORMAL = "今天的天气很好，我们一起去公园散步吧，顺便买点水果回家。"  # 26 characters: 4.1 a second
ZH_TOO_LONG = ("这是一段从别的音频里复制过来的很长很长的文本内容，它根本不可能在这么短的时间里被读完" * 4)[:144]
EN_NORMAL = "Please bring the green umbrella to the station tomorrow, because the forecast says it will rain all day."
JA_NORMAL = "今日はとても良い天気ですね。一緒に公園へ散歩に行きましょう。"  # 29 characters
JA_TOO_LONG = ("これは別の音声から写してきたとても長い文章なので、この短い時間では読み切れません。" * 4)[:144]


def test_each_language_judges_a_transcript_by_its_own_reading_rate(ws, tmp_path):
    """30 characters a second let a 144-character Chinese transcript through on a 6.4-s clip; Chinese is read
    at most ~11 characters a second, English ~6 words, Japanese ~16 characters (kana and kanji)."""
    lines = [("zh", ZH_TOO_LONG), ("zh", ZH_NORMAL), ("en", EN_NORMAL), ("en", " ".join([EN_NORMAL] * 3)),
             ("ja", JA_NORMAL), ("ja", JA_TOO_LONG)]
    for i in range(len(lines)):
        write_tone(tmp_path / f"{i}.wav", 6.4, seed=40 + i)
    listing = tmp_path / "rates.list"
    listing.write_text("".join(f"{i}.wav|s|{lang}|{text}\n" for i, (lang, text) in enumerate(lines)),
                       encoding="utf-8")
    assert len(ZH_TOO_LONG) == 144 and len(EN_NORMAL) > 100
    assert importer.import_list(ws=ws, role="女性-测试", list_path=listing).imported == 6
    found = clips.list_clips(ws=ws, role="女性-测试", sort="id").clips
    assert [c.valid for c in found] == [False, True, True, False, True, False]
    assert found[0].invalid_reason == (
        "its transcript has 141 characters, implausible for 6.4 s of speech (22.0 characters a second; "
        "Chinese is read at most 11.2 a second): check the .list text")
    assert "(8.4 words a second; English is read at most 5.9 a second)" in found[3].invalid_reason
    assert "Japanese is read at most 16.0 a second" in found[5].invalid_reason
    assert [c.invalid_reason for c in found if c.valid] == ["", "", ""]
    with pytest.raises(InputError, match=r"141 characters is implausible for this 6.4 s clip \(22.0 characters"):
        clips.update_clip(ws=ws, role="女性-测试", clip_id=found[1].id, text=ZH_TOO_LONG)


def test_a_missing_file_deep_in_long_folders_is_named_by_its_file_name(ws, tmp_path):
    write_tone(tmp_path / "a.wav", 4.0, seed=23)
    deep = "/".join(["a_folder_of_recordings_with_a_long_name"] * 6) + "/take_017.wav"
    listing = tmp_path / "deep.list"
    listing.write_text(f"a.wav|s|zh|第一条\n{deep}|s|zh|丢失\n", encoding="utf-8")
    reason = importer.import_list(ws=ws, role="女性-测试", list_path=listing).errors[0].reason
    assert "not found" in reason and "take_017.wav" in reason and f"({len(deep)} characters)" in reason
    assert len(reason) < len(deep)  # cut in the middle, not quoted whole


def test_empty_nan_and_hours_long_audio_are_bad_lines_and_empty_lists_are_refused(ws, tmp_path):
    import numpy as np

    (tmp_path / "zero.wav").write_bytes(b"")
    samples = np.zeros(16000 * 4, dtype=np.float32)
    samples[100] = np.nan
    soundfile.write(str(tmp_path / "nan.wav"), samples, 16000, subtype="FLOAT")
    soundfile.write(str(tmp_path / "long.wav"), np.zeros(8000 * 60 * 25, dtype=np.int16), 8000)
    listing = tmp_path / "bad.list"
    listing.write_text("zero.wav|s|en|a\nnan.wav|s|en|b\nlong.wav|s|en|c\n", encoding="utf-8")
    report = importer.import_list(ws=ws, role="女性-测试", list_path=listing)
    reasons = [e.reason for e in report.errors]
    assert report.imported == 0 and len(reasons) == 3
    assert "empty (0 bytes)" in reasons[0] and "NaN" in reasons[1] and "25 minutes long" in reasons[2]
    (tmp_path / "empty.list").write_bytes(b"")
    with pytest.raises(ValueError, match="is empty"):
        importer.import_list(ws=ws, role="女性-测试", list_path=tmp_path / "empty.list")


def test_outside_the_allowed_folders_audio_is_a_bad_line(ws, tmp_path):
    write_tone(tmp_path / "private" / "a.wav", 4.0, seed=23)
    listing = tmp_path / "p.list"
    listing.write_text(f"{tmp_path / 'private' / 'a.wav'}|s|en|hello there\n", encoding="utf-8")
    report = importer.import_list(ws=ws, role="女性-测试", list_path=listing, audio_roots=[tmp_path / "shared"])
    assert report.imported == 0 and "outside the folders" in report.errors[0].reason
    assert importer.import_list(ws=ws, role="女性-测试", list_path=listing, audio_roots=[tmp_path]).imported == 1


def test_gsv_root_relative_backslash_paths_import_without_gsv_root(tmp_path, ws):
    """GPT-SoVITS's ASR writes output/asr_opt/x.list with lines relative to its own folder."""
    root = tmp_path / "GPT-SoVITS"
    slices = root / "output" / "slicer_opt"
    slices.mkdir(parents=True)
    for seed, name in enumerate(("a.wav", "b.wav")):
        write_tone(slices / name, 4.0, seed=70 + seed)
    listing = root / "output" / "asr_opt" / "slicer_opt.list"
    listing.parent.mkdir(parents=True)
    listing.write_text("output\\slicer_opt\\a.wav|spk|ZH|第一句\noutput\\slicer_opt\\b.wav|spk|ZH|第二句\n",
                       encoding="utf-8")
    report = importer.import_list(ws=ws, role="女性-测试", list_path=listing)
    assert report.imported == 2 and report.errors == []
    assert [e.found_at for e in report.found_elsewhere] == [str((slices / n).resolve())
                                                                  for n in ("a.wav", "b.wav")]
