"""Emotion words several tabs show (clips, import, products, long text): the API keeps the stored codes
(ras.emotions); these are only how the page says them."""
from __future__ import annotations

from ras.emotions import LABELS


def emotion_label(i18n, emotion: str) -> str:
    """A known emotion in the page's language, a role's own word as written."""
    return i18n(LABELS[emotion]) if emotion in LABELS else emotion
