"""Test texts shared by all roles, kept in the main DB."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from ras.errors import InputError, NotFound
from ras.languages import require_lang
from ras.store.main_tables import TestText
from ras.store.workspace import Workspace

TEXT_CATEGORIES = ("short", "long")

DEFAULT_TEXTS = (
    ("今天天气不错，我们一起去公园散步吧。", "zh", "short"),
    ("你好，很高兴认识你！有什么我可以帮你的吗？", "zh", "short"),
    ("夜深了，城市的灯光一盏一盏熄灭。她站在窗前，看着远处的街道，想起了很多年前的那个夏天。"
     "那时候，他们还很年轻，以为时间会一直停在那里。可是后来，每个人都走上了不同的路。"
     "如今再回头看，那些笑声和眼泪，都成了心里最柔软的地方。", "zh", "long"),
    ("The weather is lovely today, shall we take a walk in the park?", "en", "short"),
    ("Thank you for waiting. Your order has been shipped and will arrive tomorrow.", "en", "short"),
    ("The train slowed as it reached the old station. Nobody had used this line for years, "
     "yet the platform was swept clean and a lamp was burning in the office window. "
     "She stepped down with her small suitcase, took a deep breath of the cold air, and smiled.", "en", "long"),
    ("今日はいい天気ですね。一緒に散歩に行きませんか。", "ja", "short"),
    ("おはようございます。今日も一日、よろしくお願いします。", "ja", "short"),
    ("雨が静かに降り続いていた。彼女は窓のそばに座り、古い手紙を何度も読み返した。"
     "そこには、もう会えない人の優しい言葉が並んでいた。"
     "やがて雨が上がると、空には大きな虹がかかっていた。", "ja", "long"),
)


@dataclass(frozen=True)
class TextRow:
    """A test text as the texts tab and /list_texts show it."""

    id: int
    content: str
    lang: str
    category: str  # short, long or empty


def text_row(text: TestText) -> TextRow:
    return TextRow(id=text.id, content=text.content, lang=text.lang, category=text.category)


def ensure_default_texts(*, ws: Workspace) -> None:
    """Seed the default set once, when the main DB has no texts at all."""
    with ws.main_session() as session:
        if session.exec(select(TestText).limit(1)).first() is not None:
            return
        for content, lang, category in DEFAULT_TEXTS:
            session.add(TestText(content=content, lang=lang, category=category))
        session.commit()


# A test text is one comparison job's input; a book chapter belongs in the long text tab.
MAX_TEST_TEXT_CHARS = 2000


def _checked_content(content: str | None) -> str:
    content = (content or "").strip()
    if not content:
        raise InputError("the test text is empty; type a sentence to synthesize")
    if len(content) > MAX_TEST_TEXT_CHARS:
        raise InputError(f"the test text has {len(content)} characters; at most {MAX_TEST_TEXT_CHARS} "
                         f"(read longer texts in the long text tab)")
    return content


def add_text(*, ws: Workspace, content: str, lang: str, category: str = "") -> int:
    text = TestText(content=_checked_content(content), lang=require_lang(lang), category=(category or "").strip())
    with ws.main_session() as session:
        session.add(text)
        session.commit()
        return text.id


def list_texts(*, ws: Workspace, lang: str | None = None, category: str | None = None) -> list[TextRow]:
    ensure_default_texts(ws=ws)
    query = select(TestText).order_by(TestText.id)
    if lang:
        query = query.where(TestText.lang == lang)
    if category:
        query = query.where(TestText.category == category)
    with ws.main_session() as session:
        return [text_row(t) for t in session.exec(query).all()]


def get_texts(*, ws: Workspace, ids: list[int]) -> list[TestText]:
    with ws.main_session() as session:
        found = {t.id: t for t in session.exec(select(TestText).where(TestText.id.in_(ids))).all()}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"test text(s) {missing} not found; refresh the text list")
    return [found[i] for i in ids]


def update_text(*, ws: Workspace, text_id: int, content: str, lang: str, category: str) -> TextRow:
    with ws.main_session() as session:
        text = session.get(TestText, text_id)
        if text is None:
            raise NotFound(f"test text {text_id} not found; refresh the text list")
        text.content, text.lang, text.category = _checked_content(content), require_lang(lang), (category or "").strip()
        session.add(text)
        session.commit()
        return text_row(text)


def delete_text(*, ws: Workspace, text_id: int) -> None:
    with ws.main_session() as session:
        text = session.get(TestText, text_id)
        if text is None:
            raise NotFound(f"test text {text_id} not found; refresh the text list")
        session.delete(text)
        session.commit()
