"""The built-in probe set: per language one short sentence, one long, one with numbers or mixed
script, one question. Stored as ordinary test texts (category "probe") the first time a run needs
them, so takes link to a text row like any task's and a person can edit the set."""
from __future__ import annotations

from collections import Counter

from sqlmodel import select

from ras.metrics.rate import base_language
from ras.store.main_tables import TestText
from ras.store.workspace import Workspace

PROBE_CATEGORY = "probe"
PROBE_TEXTS = {
    "zh": ("今天的会议推迟到下午。",
           "清晨的雾气慢慢散开，河边的柳树露出了新绿。老人沿着石板路走到桥头，停下来看了很久，"
           "好像在等一个多年没有见面的朋友。",
           "订单号是A3721，共计128元，预计3月15日送达。",
           "你明天几点出发，需要我去接你吗？"),
    "en": ("The meeting moved to the afternoon.",
           "Morning fog drifted slowly over the river, and the old bridge appeared one stone at a time. "
           "A man in a grey coat waited at the far end, as if someone he had not seen for years might come.",
           "Order 3721 costs 128 dollars and arrives on March 15th.",
           "What time are you leaving tomorrow, and should I pick you up?"),
    "ja": ("会議は午後に変更になりました。",
           "朝の霧がゆっくりと川の上を流れ、古い橋が少しずつ姿を現した。向こう側では灰色のコートの男が、"
           "何年も会っていない誰かを待つように立っていた。",
           "注文番号は3721番、合計128円で、3月15日に届きます。",
           "明日は何時に出発しますか、迎えに行きましょうか？"),
}


def majority_language(langs: list[str]) -> str:
    """The role's most common clip language among those with a probe set (English otherwise)."""
    counts = Counter(base_language(lang) for lang in langs)
    for lang, _ in counts.most_common():
        if lang in PROBE_TEXTS:
            return lang
    return "en"


def probe_text_ids(*, ws: Workspace, lang: str) -> list[int]:
    """Ids of the probe set of `lang`, created in the main DB when missing (short, long, numbers, question)."""
    lang = lang if lang in PROBE_TEXTS else "en"
    ids = []
    with ws.main_session() as session:
        for content in PROBE_TEXTS[lang]:
            row = session.exec(select(TestText).where(TestText.content == content, TestText.lang == lang)).first()
            if row is None:
                row = TestText(content=content, lang=lang, category=PROBE_CATEGORY)
                session.add(row)
                session.flush()
            ids.append(row.id)
        session.commit()
    return ids
