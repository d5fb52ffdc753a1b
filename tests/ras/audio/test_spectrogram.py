import os
import subprocess
import sys
import time

import numpy as np
from PIL import Image

from ras.audio import spectrogram as spec
from tests.fixtures.audio import tone_samples, write_wav


def test_same_height_and_width_follows_duration(tmp_path):
    short = write_wav(tmp_path / "short.wav", tone_samples(440, 1.0, 22050), 22050)
    long = write_wav(tmp_path / "long.wav", tone_samples(440, 4.0, 32000), 32000)
    sizes = [Image.open(spec.render_spectrogram(p)).size for p in (short, long)]
    assert [h for _, h in sizes] == [spec.HEIGHT, spec.HEIGHT]
    assert [w for w, _ in sizes] == [100, 400]


def test_width_is_capped_for_long_audio():
    assert spec.image_width(600.0) == spec.MAX_WIDTH
    assert spec.image_width(0.1) == spec.MIN_WIDTH


def test_a_long_joined_text_renders_with_its_tone_where_it_sounds(tmp_path):
    # three minutes of long text: columns lie further apart than one analysis window
    sr, seconds = 32000, 180.0
    samples = np.zeros(int(seconds * sr), dtype=np.float32)
    samples[int(120 * sr):] = tone_samples(1000, seconds - 120, sr)
    png = spec.render_spectrogram(write_wav(tmp_path / "long.wav", samples, sr))
    image = np.asarray(Image.open(png).convert("L"), dtype=np.float32)
    assert image.shape[1] == spec.MAX_WIDTH
    split = int(image.shape[1] * 120 / seconds)
    assert image[:, split + 5:].mean() > image[:, : split - 5].mean() + 5  # sound only after 2:00


def test_cache_path_is_next_to_the_wav(tmp_path):
    assert spec.spectrogram_path_for(tmp_path / "job_1.wav") == tmp_path / "job_1.png"


def test_render_is_cached_until_the_wav_changes(tmp_path):
    wav = write_wav(tmp_path / "a.wav", tone_samples(300, 1.0, 16000), 16000)
    png = spec.render_spectrogram(wav)
    first_mtime = png.stat().st_mtime_ns
    time.sleep(0.01)
    assert spec.render_spectrogram(wav) == png
    assert png.stat().st_mtime_ns == first_mtime  # not re-rendered
    future = time.time() + 5
    os.utime(wav, (future, future))
    spec.render_spectrogram(wav)
    assert png.stat().st_mtime_ns != first_mtime


def test_atomic_write_leaves_no_temp_files(tmp_path):
    wav = write_wav(tmp_path / "a.wav", tone_samples(300, 0.5, 16000), 16000)
    out = spec.render_spectrogram(wav, tmp_path / "out" / "a.png")
    assert out.exists() and sorted(p.name for p in out.parent.iterdir()) == ["a.png"]
    assert Image.open(out).format == "PNG"


def test_a_tone_is_a_bright_row_and_silence_is_dark():
    sr = 16000
    samples = np.concatenate([np.zeros(sr, np.float32), tone_samples(1000, 1.0, sr, 0.5)])
    image = spec.colour_table()[spec.render_spectrogram_image(samples, sr)[: spec.SPEC_HEIGHT]].astype(int)
    brightness = image.sum(axis=2)
    silent, toned = brightness[:, 10:90], brightness[:, 110:190]
    assert silent.max() < 60
    assert toned.max() > 600
    # the bright row of the tone sits where 1 kHz maps: lower half of an 8 kHz mel axis, not at the edges
    row = int(np.argmax(toned.mean(axis=1)))
    assert spec.SPEC_HEIGHT * 0.3 < row < spec.SPEC_HEIGHT * 0.8


def test_colour_table_is_256_entries_dark_to_bright():
    table = spec.colour_table().astype(int)
    assert table.shape == (256, 3)
    ramp = table[: spec.SPEC_COLOURS].sum(axis=1)
    assert ramp[0] < 20 and ramp[-1] > 650 and np.all(np.diff(ramp) >= -3)


def test_png_is_a_palette_image_with_the_axis_strip(speech_wav, tmp_path):
    image = Image.open(spec.render_spectrogram(speech_wav, tmp_path / "s.png"))
    assert image.mode == "P"
    pixels = np.asarray(image)
    assert (pixels[spec.SPEC_HEIGHT:] >= spec.AXIS_BG_INDEX).all()  # axis strip uses only axis colours
    assert (pixels[: spec.SPEC_HEIGHT] < spec.SPEC_COLOURS).all()


def test_speech_renders_fast(speech_wav, tmp_path):
    spec.render_spectrogram(speech_wav, tmp_path / "warm.png")
    start = time.perf_counter()
    spec.render_spectrogram(speech_wav, tmp_path / "s.png")
    assert time.perf_counter() - start < 0.5


def test_waveform_has_a_red_line_at_each_cut(tmp_path):
    sr = 16000
    samples = tone_samples(200, 3.0, sr)
    png = spec.render_waveform_with_cuts(samples, sr, [1.0, 2.0], tmp_path / "w.png")
    image = np.asarray(Image.open(png)).astype(int)
    assert image.shape[1] == 300
    reddish = (image[:, :, 0] > 200) & (image[:, :, 1] < 100)
    columns = np.flatnonzero(reddish.sum(axis=0) > image.shape[0] // 2)
    assert set(columns) & {99, 100} and set(columns) & {199, 200}


def test_module_imports_no_figure_library_or_gradio():
    code = "import sys, ras.audio.spectrogram; print('matplotlib' in sys.modules, 'gradio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False False"
