"""Split a long text into the segments GPT-SoVITS would synthesize one by one.

RAS's own statement of GPT-SoVITS's `text_segmentation_method` semantics (cut0-cut5)
plus the steps its text preprocessor applies after the method (TextPreprocessor.pre_seg_text):
line breaks always end a segment, punctuation-only pieces are dropped and pieces shorter
than 5 characters are merged into their neighbour. Each segment becomes one long-text job,
so a bad one can be synthesized again alone.

cut0  whole text (line breaks still separate paragraphs, as in GPT-SoVITS)
cut1  every 4 sentences; the last partial group joins the group before it
cut2  about 50 characters: sentences gathered until the piece exceeds 50; a short tail joins the last piece
cut3  at the Chinese full stop 。
cut4  at the English full stop '.' (not between digits, e.g. 3.5)
cut5  at any punctuation mark (not a '.' between digits)

Where GPT-SoVITS removes the 。/. it cuts at (cut3/cut4) it appends a stop again before
synthesis; RAS keeps the mark on the sentence so that the text reads as written.
"""
from __future__ import annotations

import re

from ras.errors import InputError
from ras.languages import HAN, HANGUL, KANA

# Marks that end a "sentence" for cut1/cut2 (GPT-SoVITS's `splits`).
SENTENCE_MARKS = frozenset("，。？！,.?!~:：—…")
# Marks cut5 cuts at; a cut5 piece made of these alone is dropped.
CUT5_MARKS = frozenset(",.;?!、，。？！；：…")
# cut0-cut4 drop a piece made of these alone.
BARE_MARKS = frozenset("!?…,.- ")
MIN_SEGMENT_CHARS = 5
SENTENCES_PER_GROUP = 4
GROUP_CHARS = 50


def _sentences(text: str) -> list[str]:
    """Cut after every sentence mark; a text without a final mark gets one (as GPT-SoVITS does)."""
    text = text.replace("……", "。").replace("——", "，")
    if text and text[-1] not in SENTENCE_MARKS:
        text += "。"
    pieces, start = [], 0
    for i, char in enumerate(text):
        if char in SENTENCE_MARKS:
            pieces.append(text[start:i + 1])
            start = i + 1
    return pieces


def _cut0(text: str) -> list[str]:
    return [text]


def _cut1(text: str) -> list[str]:
    sentences = _sentences(text)
    if len(sentences) <= SENTENCES_PER_GROUP:
        return [text]
    groups = ["".join(sentences[i:i + SENTENCES_PER_GROUP]) for i in range(0, len(sentences), SENTENCES_PER_GROUP)]
    tail = groups.pop()  # GPT-SoVITS's last group always absorbs the one after it
    groups[-1] += tail
    return groups


def _cut2(text: str) -> list[str]:
    sentences = _sentences(text)
    if len(sentences) < 2:
        return [text]
    pieces, current = [], ""
    for sentence in sentences:
        current += sentence
        if len(current) > GROUP_CHARS:
            pieces.append(current)
            current = ""
    if current:
        pieces.append(current)
    if len(pieces) > 1 and len(pieces[-1]) < GROUP_CHARS:
        tail = pieces.pop()
        pieces[-1] += tail
    return pieces


def _cut_after(text: str, pattern: str) -> list[str]:
    """Cut after each match of `pattern`, keeping the mark on the piece before it."""
    pieces, start = [], 0
    for match in re.finditer(pattern, text):
        pieces.append(text[start:match.end()])
        start = match.end()
    pieces.append(text[start:])
    return [p for p in pieces if p]


def _cut3(text: str) -> list[str]:
    return _cut_after(text.lstrip("。"), "。")


def _cut4(text: str) -> list[str]:
    return _cut_after(text.lstrip("."), r"(?<!\d)\.(?!\d)")


def _cut5(text: str) -> list[str]:
    marks = "".join(re.escape(m) for m in sorted(CUT5_MARKS - {"."}))
    return _cut_after(text, rf"[{marks}]|(?<!\d)\.|\.(?!\d)")


METHODS = {"cut0": _cut0, "cut1": _cut1, "cut2": _cut2, "cut3": _cut3, "cut4": _cut4, "cut5": _cut5}
# cut3/cut4 remove the stop they cut at: their pieces' length (for merging) excludes it.
REMOVED_MARK = {"cut3": "。", "cut4": "."}


def _core(piece: str, method: str) -> str:
    mark = REMOVED_MARK.get(method)
    return piece.rstrip(mark) if mark else piece


def _kept(piece: str, method: str) -> bool:
    core = _core(piece, method)
    return bool(core) and not set(core) <= (CUT5_MARKS if method == "cut5" else BARE_MARKS)


def _merge_short(lines: list[str], method: str) -> list[str]:
    """Lines shorter than MIN_SEGMENT_CHARS join the next one (a short tail joins the last)."""
    if len(lines) < 2:
        return lines
    merged, current, length = [], "", 0
    for line in lines:
        current, length = current + line, length + len(_core(line, method))
        if length >= MIN_SEGMENT_CHARS:
            merged.append(current)
            current, length = "", 0
    if current:
        if merged:
            merged[-1] += current
        else:
            merged.append(current)
    return merged


def _first_chunk(text: str) -> str:
    return re.split("[" + re.escape("".join(sorted(SENTENCE_MARKS))) + "]", text, maxsplit=1)[0].strip()


def _speakable(segment: str) -> bool:
    return bool(re.sub(r"\W+", "", segment))


def split_sentences(text: str, method: str = "cut1", lang: str = "zh") -> list[str]:
    """The segments of `text` for GPT-SoVITS cut method `method`, in order, stripped.

    As in GPT-SoVITS the method sees the whole text (groups of cut1/cut2 may span a line
    break) and line breaks then end segments; a first chunk under 4 characters gets a
    leading stop (so cut1 counts it as a sentence), which is removed from the shown text.
    """
    if method not in METHODS:
        raise InputError(f"unknown text split method {method!r}; use one of {', '.join(METHODS)}")
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if not _speakable(text):
        return []
    if text[0] not in SENTENCE_MARKS and len(_first_chunk(text)) < 4:
        text = ("." if lang == "en" else "。") + text
    pieces = [p for p in METHODS[method](text) if _kept(p, method)]
    lines = [line for piece in pieces for line in piece.split("\n") if line not in ("", " ")]
    segments = [s.strip().lstrip("".join(SENTENCE_MARKS | CUT5_MARKS)).strip() for s in _merge_short(lines, method)]
    segments = [s for s in segments if _speakable(s)]
    if segments and text[-1] not in SENTENCE_MARKS and segments[-1].endswith("。"):
        segments[-1] = segments[-1][:-1]  # the stop cut1/cut2 added; GPT-SoVITS adds its own before synthesis
    return segments


def detect_lang(text: str) -> str:
    """GPT-SoVITS language code from the text's script: kana -> ja, hangul -> ko, han -> zh, else en."""
    if re.search(f"[{KANA}]", text):
        return "ja"
    if re.search(f"[{HANGUL}]", text):
        return "ko"
    if re.search(f"[{HAN}]", text):
        return "zh"
    return "en"
