"""Emotion names: the codes RAS stores and the words users write for them.

A known emotion is stored as its English code (emotion2vec's classes without its "unknown"), whichever
word named it: 【开心】, [happy] and a folder called 高兴 are the same emotion, so a long text tagged
(happy) finds the reference a clip tagged 【开心】 became. Any other word (a classify group called 激动,
a GSVI pack's 撒娇 folder) is kept as written: an emotion of this role only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ras.errors import InputError


@dataclass(frozen=True)
class Reference:
    """A main reference a sentence is spoken with: a product's own, one of its emotions', or a long-text job's.

    Stored as JSON (a product's emotions_json entry under its emotion, a job's reference_json beside its
    emotion column): as_json writes that form and read reads it back, here and nowhere else."""

    emotion: str = field(metadata={"json": None})  # "" = the default reference (the product's own, or a
    # long-text configuration's clip); the API lists a product's emotions keyed by it
    ref_audio: str  # relative to the role folder (a product's listing gives the full path)
    prompt_text: str
    prompt_lang: str
    clip_id: int | None = None  # the role's clip a product's emotion reference was copied from

    def as_json(self) -> dict:
        stored = {"ref_audio": self.ref_audio, "prompt_text": self.prompt_text, "prompt_lang": self.prompt_lang}
        if self.clip_id is not None:
            stored["source_clip_id"] = self.clip_id
        return stored

    @classmethod
    def read(cls, emotion: str, stored: dict) -> Reference:
        return cls(emotion, stored["ref_audio"], stored["prompt_text"], stored["prompt_lang"],
                   stored.get("source_clip_id"))


@dataclass(frozen=True)
class TaggedPiece:
    """A piece of text opened by an emotion tag (or the text before any tag) and the reference it is spoken with."""

    reference: Reference
    text: str


# code -> words that name it, the first being the Chinese label the UI shows
ALIASES: dict[str, tuple[str, ...]] = {
    "neutral": ("平静", "中立", "中性", "冷静", "默认", "neutral", "calm", "default"),
    "happy": ("开心", "高兴", "快乐", "喜悦", "愉快", "happy", "joy", "joyful"),
    "sad": ("难过", "伤心", "悲伤", "sad", "sadness"),
    "angry": ("生气", "愤怒", "angry", "anger"),
    "fearful": ("恐惧", "害怕", "fearful", "fear", "scared"),
    "surprised": ("吃惊", "惊讶", "surprised", "surprise"),
    "disgusted": ("厌恶", "disgusted", "disgust"),
    "other": ("其他", "other"),
}
EMOTIONS = tuple(ALIASES)
DEFAULT_EMOTION = "neutral"  # a product's own reference speaks it, and untagged text
LABELS = {code: words[0] for code, words in ALIASES.items()}  # i18n keys: the UI shows them translated
_BY_WORD = {word.lower(): code for code, words in ALIASES.items() for word in words}
MAX_EMOTION_NAME = 20

# Where a clip's tag came from. A tag replaces one of a lower or equal rank, never a higher one:
# a person's edit always wins, a group a person named beats a file name, and the model only fills gaps.
SOURCE_RANK = {"model": 1, "name": 2, "folder": 2, "group": 3, "person": 4}
SOURCES = tuple(SOURCE_RANK)


def known_emotion(word: str) -> str | None:
    """The code of a word that names a known emotion (开心, Happy, ...), else None."""
    return _BY_WORD.get((word or "").strip().lower())


def emotion_code(word: str) -> str:
    """The stored form of an emotion a person or a group named: a known emotion's code, else the word itself."""
    word = re.sub(r"\s+", " ", (word or "").strip())
    if not word:
        raise InputError("an emotion cannot be empty; type one (开心, happy, ...) or clear the tag")
    if len(word) > MAX_EMOTION_NAME:
        raise InputError(f"an emotion name has at most {MAX_EMOTION_NAME} characters, not {len(word)}: "
                         f"{word[:MAX_EMOTION_NAME]}…")
    if any(mark in word for mark in "[]【】()（）|"):
        raise InputError(f"an emotion name cannot hold brackets or '|': {word!r}")
    return known_emotion(word) or word


def may_replace(old_source: str, new_source: str) -> bool:
    """Whether a tag from new_source may replace a clip's tag from old_source ("" = untagged)."""
    return SOURCE_RANK[new_source] >= SOURCE_RANK.get(old_source, 0)


# One tag word in brackets, as file names and texts write it: [开心], (happy), 【生气】, （难过）; a group per
# bracket kind, the word in whichever matched. A word holds no bracket and no line break.
_ONE_TAG = r"(?:\[([^\[\]\n]{1,20})\]|\(([^()\n]{1,20})\)|【([^【】\n]{1,20})】|（([^（）\n]{1,20})）)"
_NAME_TAG = re.compile(rf"^\s*{_ONE_TAG}")


def tag_in_file_name(stem: str) -> str | None:
    """The emotion a bracketed prefix of a file name gives (【开心】a, [happy] a, (生气)a), else None.

    Any word in brackets counts (GSVI packs name emotions freely), except one without a letter, which is
    a number or a mark: [001]a.wav is a numbered file, not an emotion."""
    found = _NAME_TAG.match(stem)
    if not found:
        return None
    word = next(group for group in found.groups() if group is not None).strip()
    if not word or not any(ch.isalpha() for ch in word):
        return None
    try:
        return emotion_code(word)
    except InputError:
        return None


def tag_in_folder_name(folder: str) -> str | None:
    """The emotion a folder name gives: only a known emotion word, as any folder (slicer_opt, wavs) holds clips."""
    return known_emotion(folder)


# An inline tag opens a sentence: at the start of the text, of a line, or after a sentence's end mark,
# as GSVI writes them ([开心]…, (happy)…, 【生气】…, （难过）…). A bracket inside a sentence is text;
# of tags in a row, the last one counts.
_INLINE_TAGS = re.compile(rf"(?:^|(?<=[\n。！？!?….]))(?:[ \t]*{_ONE_TAG})+[ \t]*")


def split_emotion_tags(text: str) -> list[tuple[str | None, str]]:
    """[(tag word as written or None, the text it opens)], in order; text before the first tag has None.
    Pieces with nothing to say (a tag at the very end) are dropped."""
    text = text or ""
    pieces: list[tuple[str | None, str]] = []
    tag, start = None, 0
    for found in _INLINE_TAGS.finditer(text):
        last = re.findall(_ONE_TAG, found.group())[-1]
        word = next(word for word in last if word).strip()
        if not re.search(r"[^\W\d_]", word):  # "(1)", "[2024]": a numbered item, not an emotion
            continue
        pieces.append((tag, text[start:found.start()]))
        tag, start = word, found.end()
    pieces.append((tag, text[start:]))
    return [(word, piece.strip()) for word, piece in pieces if re.sub(r"\W+", "", piece)]
