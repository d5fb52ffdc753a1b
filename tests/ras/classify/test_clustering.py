"""Clustering on real resemblyzer embeddings of 3 espeak voices, plus edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from ras.classify import clustering
from tests.fixtures import speech

# Measured on these voices: same-voice cosine distance ~0.05-0.08, nearest
# other voice ~0.24 (en+m3 vs en-us+m7), so 0.15 sits in the gap.
THRESHOLD = 0.15


@pytest.fixture(scope="module")
def voices():
    """(embeddings, true voice index per clip, durations) for 3 voices x 6 clips."""
    if not speech.tools_available():
        pytest.skip("needs espeak-ng and sox")
    import soundfile as sf

    from ras.metrics.speaker import load_encoder

    clips = speech.voice_clips()
    paths = [path for voice in speech.VOICES for path in clips[voice]]
    truth = np.repeat(np.arange(len(speech.VOICES)), len(speech.SENTENCES))
    durations = [sf.info(str(p)).duration for p in paths]
    return load_encoder().embed_files(paths), truth, durations


def test_group_count_puts_each_voice_in_its_own_group(voices):
    embeddings, truth, _ = voices
    labels = clustering.cluster(embeddings, n_groups=3)
    assert len(set(labels)) == 3
    assert clustering.purity(labels, truth) == 1.0


def test_threshold_puts_each_voice_in_its_own_group(voices):
    embeddings, truth, _ = voices
    labels = clustering.cluster(embeddings, threshold=THRESHOLD)
    assert len(set(labels)) == 3
    assert clustering.purity(labels, truth) == 1.0


def test_a_loose_threshold_merges_everything(voices):
    embeddings, _, _ = voices
    assert set(clustering.cluster(embeddings, threshold=1.0)) == {0}


def test_similar_to_this_clip_ranks_same_voice_first(voices):
    embeddings, truth, _ = voices
    per_voice = len(speech.SENTENCES)
    for index in (0, 7, 17):
        ranking = clustering.rank_similar(embeddings, index)
        assert ranking[0] == index
        assert set(truth[ranking[:per_voice]]) == {truth[index]}
        scores = clustering.similarities(embeddings, index)[ranking]
        assert np.all(np.diff(scores[1:]) <= 1e-6)


def test_representatives_and_summary(voices):
    embeddings, truth, durations = voices
    labels = clustering.cluster(embeddings, n_groups=3)
    reps = clustering.representatives(embeddings, labels)
    assert sorted(reps) == [0, 1, 2]
    assert all(labels[index] == group for group, index in reps.items())
    summary = clustering.group_summary(embeddings, labels, durations, names={0: "平静"})
    assert [row["count"] for row in summary] == [6, 6, 6]
    assert summary[0]["name"] == "平静" and summary[1]["name"] == "group 1"
    for row in summary:
        members = np.flatnonzero(labels == row["group"])
        assert row["mean_duration"] == pytest.approx(np.mean(np.asarray(durations)[members]))
        assert row["representative"] == reps[row["group"]]


def test_map_separates_the_voices(voices):
    embeddings, truth, _ = voices
    coords = clustering.project_2d(embeddings)
    assert coords.shape == (len(truth), 2)
    centres = np.array([coords[truth == v].mean(axis=0) for v in range(3)])
    spread = max(np.linalg.norm(coords[truth == v] - centres[v], axis=1).max() for v in range(3))
    gaps = [np.linalg.norm(centres[a] - centres[b]) for a in range(3) for b in range(a + 1, 3)]
    assert min(gaps) > spread


# ------------------------------------------------------------ synthetic inputs


def blobs(seed=0, per_group=5, dim=16):
    rng = np.random.default_rng(seed)
    centres = np.eye(dim)[:3] * 5
    rows = np.vstack([c + rng.normal(scale=0.3, size=(per_group, dim)) for c in centres])
    return rows, np.repeat(np.arange(3), per_group)


def test_labels_number_groups_by_size():
    rows, _ = blobs()
    rows = np.vstack([rows, rows[:2] + 0.01])  # group of clip 0 becomes the largest
    labels = clustering.cluster(rows, n_groups=3)
    assert labels[0] == 0
    assert np.bincount(labels).tolist() == sorted(np.bincount(labels).tolist(), reverse=True)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "exactly one"),
        ({"n_groups": 2, "threshold": 0.2}, "exactly one"),
        ({"n_groups": 16}, "between 1 and the number of clips"),
        ({"n_groups": 0}, "between 1 and the number of clips"),
        ({"threshold": -0.1}, "cosine distance"),
    ],
)
def test_bad_arguments_are_clear_errors(kwargs, message):
    rows, _ = blobs()
    with pytest.raises(ValueError, match=message):
        clustering.cluster(rows, **kwargs)


def test_nan_rows_and_empty_input_are_rejected():
    rows, _ = blobs()
    rows[2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clustering.cluster(rows, n_groups=2)
    with pytest.raises(ValueError, match="non-empty"):
        clustering.cluster(np.zeros((0, 4)), n_groups=1)


def test_single_clip_and_out_of_range_index():
    assert clustering.cluster(np.ones((1, 4)), n_groups=1).tolist() == [0]
    rows, _ = blobs()
    with pytest.raises(ValueError, match="out of range"):
        clustering.rank_similar(rows, 99)


def test_summary_without_durations_and_map_of_identical_rows():
    rows, truth = blobs()
    summary = clustering.group_summary(rows, truth)
    assert [row["mean_duration"] for row in summary] == [None, None, None]
    assert np.all(clustering.project_2d(np.ones((4, 8))) == 0)
