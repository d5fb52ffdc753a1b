"""The sentences of a long text with emotions: each tagged piece of the text is split on its own, so a
sentence never spans two emotions, and every sentence carries its emotion and the reference it is spoken with.

A run with a product receives the text already cut at its tags, each piece with the product's reference for
its emotion (ras.products.emotions resolves the tags, refusing an unknown one before anything is queued). An
untagged piece keeps the emotion before it; the text before any tag, and a tag naming the default emotion
the product holds no reference for, are spoken with the configuration's own reference clip, as a run without
a product is. A run without a product refuses a text that holds tags: nothing could say what they mean.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from ras.emotions import DEFAULT_EMOTION, Reference, TaggedPiece, known_emotion, split_emotion_tags
from ras.errors import InputError
from ras.long_text.sentences import split_sentences


@dataclass(frozen=True)
class EmotionSentence:
    text: str
    emotion: str  # the emotion's code; "" in a run without a product
    reference: Reference | None  # None = the configuration's own reference clip

    @property
    def reference_json(self) -> str:
        """The job's reference column: "" for the configuration's clip."""
        return "" if self.reference is None else json.dumps(self.reference.as_json(), ensure_ascii=False)


def refuse_tags(text: str) -> None:
    """InputError when a text for a run without a product holds emotion tags. Only a known emotion word
    counts here: without a product, "(aside) …" or "[旁白] …" opening a sentence is what the text says."""
    tags = [tag for tag, _ in split_emotion_tags(text) if tag is not None and known_emotion(tag)]
    if tags:
        raise InputError(f"the text holds emotion tags ({', '.join(dict.fromkeys(tags))}); choose a product "
                         "(options product_id) whose emotions they name, or remove the tags")


def emotion_sentences(text: str, pieces: Sequence[TaggedPiece] | None, method: str,
                      lang: str) -> list[EmotionSentence]:
    """The sentences a configuration with split method `method` speaks, with their emotions.

    pieces: the text cut at its tags with the product's references (None: a run without a product,
    whose whole text is split as it always was)."""
    if pieces is None:
        return [EmotionSentence(s, "", None) for s in split_sentences(text, method, lang)]
    return [spoken_with(s, piece.reference) for piece in pieces for s in split_sentences(piece.text, method, lang)]


def spoken_with(text: str, reference: Reference) -> EmotionSentence:
    """A sentence spoken with a product's reference: the default one (no emotion of its own) is the
    configuration's clip under the default emotion's name."""
    if not reference.emotion:
        return EmotionSentence(text, DEFAULT_EMOTION, None)
    return EmotionSentence(text, reference.emotion, reference)
