"""Finding the user's emotion2vec: the --emotion-model folder first, then the ModelScope cache (best
model first); an incomplete folder is refused with the files it lacks; the 9 labels read as emotion codes."""
import shutil

from ras.metrics.asr_models import AsrSearch
from ras.metrics.emotion_model import best_class, emotion_of_label, find_emotion_model

LABELS = ["生气/angry", "厌恶/disgusted", "恐惧/fearful", "开心/happy", "中立/neutral", "其他/other", "难过/sad",
          "吃惊/surprised", "<unk>"]


def test_the_nine_labels_read_as_emotion_codes_and_the_best_class_wins():
    assert [emotion_of_label(label) for label in LABELS] == [
        "angry", "disgusted", "fearful", "happy", "neutral", "other", "sad", "surprised", ""]
    answer = best_class(LABELS, [0.05, 0.05, 0.05, 0.6, 0.1, 0.05, 0.05, 0.03, 0.02])
    assert (answer.emotion, answer.score) == ("happy", 0.6)
    assert best_class(LABELS, [0.0] * 8 + [1.0]).emotion == ""


def test_the_cache_model_is_found_and_an_incomplete_override_is_refused(tiny_funasr, tmp_path):
    cached = tiny_funasr.cached("emotion2vec_plus_base")
    found = find_emotion_model(AsrSearch(modelscope_roots=(tiny_funasr.modelscope_cache,)))
    assert found.model is not None and found.model.folder == cached and found.model.source == "modelscope"
    assert found.model.name == "iic/emotion2vec_plus_base"

    broken = tmp_path / "my_emotion2vec"
    shutil.copytree(cached, broken)
    (broken / "model.pt").unlink()
    search = AsrSearch(override=broken, modelscope_roots=(tiny_funasr.modelscope_cache,))
    found = find_emotion_model(search)
    assert found.model.folder == cached and "missing model.pt" in found.refused[0]
    (broken / "model.pt").symlink_to(cached / "model.pt")
    assert find_emotion_model(search).model.source == "--emotion-model"
    assert find_emotion_model(AsrSearch(modelscope_roots=(tmp_path / "empty",))).model is None
