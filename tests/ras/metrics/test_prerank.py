"""Sorting by auto score sinks planted defects into the bottom third."""
import pytest

from ras.metrics import analyze_audio
from tests.ras.metrics.defects import DEFECT_TYPES


@pytest.fixture(scope="module")
def ranked(prerank_corpus):
    scored = [(analyze_audio(c["path"], c["text"], c["lang"])["auto_score"], c["defect"]) for c in prerank_corpus]
    return sorted(scored, key=lambda pair: pair[0])


def test_corpus_is_a_third_defective_with_every_type(prerank_corpus):
    defects = [c["defect"] for c in prerank_corpus if c["defect"]]
    assert len(prerank_corpus) >= 60 and len(defects) == len(prerank_corpus) // 3
    assert set(defects) == set(DEFECT_TYPES) and len({c["voice"] for c in prerank_corpus}) >= 6


def test_bottom_third_by_auto_score_is_defective_with_precision_09(ranked):
    bottom = ranked[: len(ranked) // 3]
    precision = sum(defect is not None for _, defect in bottom) / len(bottom)
    assert precision >= 0.9, ranked
