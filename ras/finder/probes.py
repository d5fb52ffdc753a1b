"""The built-in probe set: per language one short sentence, one long, one with numbers or mixed
script, one question. Stored as ordinary test texts (category "probe") the first time a run needs
them, so takes link to a text row like any task's and a person can edit the set.

Numbers are kept short: a long figure read aloud ("three thousand seven hundred ...")
repeats words, which the repetition metric flags in every take of every reference."""
from __future__ import annotations

from collections import Counter

from sqlmodel import func, select

from ras.metrics.rate import base_language
from ras.store.main_tables import TestText
from ras.store.role_tables import Clip
from ras.store.workspace import Workspace

PROBE_CATEGORY = "probe"
PROBE_TEXTS = {
    "zh": ("今天的会议推迟到下午。",
           "清晨的雾气慢慢散开，河边的柳树露出了新绿。老人沿着石板路走到桥头，停下来看了很久，"
           "好像在等一个多年没有见面的朋友。",
           "会议改到3月5日下午2点，在B座开。",
           "你明天几点出发，需要我去接你吗？"),
    "en": ("The meeting moved to the afternoon.",
           "Morning fog drifted slowly over the river, and the old bridge appeared one stone at a time. "
           "A man in a grey coat waited at the far end, as if someone he had not seen for years might come.",
           "Your table for 4 is booked at 7:30 on May 2nd.",
           "What time are you leaving tomorrow, and should I pick you up?"),
    "ja": ("会議は午後に変更になりました。",
           "朝の霧がゆっくりと川の上を流れ、古い橋が少しずつ姿を現した。向こう側では灰色のコートの男が、"
           "何年も会っていない誰かを待つように立っていた。",
           "会議は3月5日の午後2時に、B棟で行います。",
           "明日は何時に出発しますか、迎えに行きましょうか？"),
}

# Repeated characters and words: where an over-trained GPT loops or skips (a configuration run's
# fifth probe, read besides the four above).
REPEAT_TEXTS = {
    "zh": "好好学习，天天向上，人人都说慢慢来。",
    "en": "Very very quietly, step by step, we walked on and on.",
    "ja": "ゆっくりゆっくり、一歩一歩、前へ前へ進みます。",
}


def majority_language(langs: list[str]) -> str:
    """The role's most common clip language among those with a probe set (English otherwise)."""
    counts = Counter(base_language(lang) for lang in langs)
    for lang, _ in counts.most_common():
        if lang in PROBE_TEXTS:
            return lang
    return "en"


def role_language(*, ws: Workspace, role: str) -> str | None:
    """The most common language of the role's clips ("all_zh" counts as "zh"); None for a role without clips."""
    counts = Counter()
    with ws.role_session(role) as session:
        for lang, count in session.exec(select(Clip.lang, func.count()).group_by(Clip.lang)).all():
            counts[base_language(lang)] += count
    return counts.most_common(1)[0][0] if counts else None


def probe_set(lang: str, repeats: bool = False) -> tuple[str, list[str]]:
    """The language of the probe set for `lang` (English when it has none) and its texts: short, long,
    numbers, question; with `repeats` also the repeated-words text, before the question."""
    lang = lang if lang in PROBE_TEXTS else "en"
    contents = list(PROBE_TEXTS[lang])
    if repeats:
        contents.insert(3, REPEAT_TEXTS[lang])
    return lang, contents


def probe_text_ids(*, ws: Workspace, lang: str, repeats: bool = False) -> list[int]:
    """Ids of the probe set of `lang` (probe_set), created in the main DB when missing."""
    lang, contents = probe_set(lang, repeats)
    ids = []
    with ws.main_session() as session:
        for content in contents:
            row = session.exec(select(TestText).where(TestText.content == content, TestText.lang == lang)).first()
            if row is None:
                row = TestText(content=content, lang=lang, category=PROBE_CATEGORY)
                session.add(row)
                session.flush()
            ids.append(row.id)
        session.commit()
    return ids
