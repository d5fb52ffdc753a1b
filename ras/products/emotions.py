"""A product's voices with emotions: one main reference per emotion, sharing the product's weights,
parameters and aux references (its timbre set), chosen per call of /tts or per tagged sentence.

GPT-SoVITS takes the tone from the main reference, so an emotion is a reference clip (copied into the
product's folder, with its text and language). The product's own reference is its default: text before
any tag is spoken with it, and a "neutral" tag names it unless the product holds a neutral reference
of its own. A tag resolves through ras.emotions (开心, happy and 高兴 are one emotion).
"""
from __future__ import annotations

import uuid

from ras.emotions import DEFAULT_EMOTION, Reference, TaggedPiece, emotion_code, split_emotion_tags
from ras.errors import InputError
from ras.languages import require_lang
from ras.products.rows import PRODUCTS_DIR, ProductInfo, copy_into, product_info, product_row
from ras.store.db import get_row
from ras.store.lookups import clip_audio_path
from ras.store.role_tables import Clip, Product
from ras.store.workspace import Workspace


def default_reference(product: Product) -> Reference:
    return Reference("", product.ref_audio, product.prompt_text, product.prompt_lang)


def reference_for(product: Product, emotion: str | None) -> Reference:
    """The reference of `emotion` (None or "": the default); InputError naming the product's emotions."""
    if not (emotion or "").strip():
        return default_reference(product)
    code = emotion_code(emotion)
    held = product.emotions
    if code in held:
        return held[code]
    if code == DEFAULT_EMOTION:
        return default_reference(product)
    raise InputError(f"product {product.name!r} has no emotion {emotion!r}; "
                     f"it has: {', '.join(emotion_names(product))}")


def emotion_names(product: Product) -> list[str]:
    """The emotions a tag may name: the default's, then the product's own."""
    return [DEFAULT_EMOTION] + sorted(e for e in product.emotions if e != DEFAULT_EMOTION)


def tagged_pieces(product: Product, text: str, emotion: str | None = None) -> list[TaggedPiece]:
    """The text cut at its inline tags, each piece with its reference; untagged text keeps the emotion
    before it (`emotion`, else the default, at the start). Every tag is checked before anything runs."""
    current = reference_for(product, emotion)
    pieces = []
    for tag, piece in split_emotion_tags(text):
        if tag is not None:
            current = reference_for(product, tag)
        pieces.append(TaggedPiece(current, piece))
    return pieces


def product_pieces(*, ws: Workspace, role: str, product_id: int, text: str) -> list[TaggedPiece]:
    """The text cut at its tags with the references of the product `product_id` of `role` (a long text
    spoken with its emotions); InputError naming the product's emotions for an unknown tag."""
    with ws.role_session(role) as session:
        product = product_row(session, role, product_id)
    return tagged_pieces(product, text)


def product_reference(*, ws: Workspace, role: str, product_id: int, emotion: str) -> Reference:
    """The product's reference for `emotion`; InputError naming the product's emotions when it has none."""
    with ws.role_session(role) as session:
        return reference_for(product_row(session, role, product_id), emotion)


def set_product_emotion(*, ws: Workspace, role: str, product_id: int, emotion: str, clip_id: int,
                        prompt_text: str = "", prompt_lang: str = "") -> ProductInfo:
    """Give the product a reference for `emotion` (replacing one it had): the clip, copied in, with its
    text and language unless others are given."""
    code = emotion_code(emotion)
    with ws.role_session(role) as session:
        product = product_row(session, role, product_id)
        clip = get_row(session, Clip, clip_id, "clip", role)
        text = (prompt_text or "").strip() or clip.text
        lang = require_lang(prompt_lang) if (prompt_lang or "").strip() else clip.lang
        folder = ws.role_dir(role) / PRODUCTS_DIR / str(product.id)
        stem = f"emotion-{uuid.uuid4().hex[:8]}"  # a new file: the old one stays until the row no longer names it
        stored = f"{PRODUCTS_DIR}/{product.id}/" + copy_into(clip_audio_path(ws, role, clip), folder, stem)
        held = product.emotions
        old = held.get(code)
        product.keep_emotions({**held, code: Reference(code, stored, text, lang, clip.id)})
        session.add(product)
        session.commit()
        if old:
            (ws.role_dir(role) / old.ref_audio).unlink(missing_ok=True)
        return product_info(ws, role, product)


def remove_product_emotion(*, ws: Workspace, role: str, product_id: int, emotion: str) -> ProductInfo:
    code = emotion_code(emotion)
    with ws.role_session(role) as session:
        product = product_row(session, role, product_id)
        held = product.emotions
        if code not in held:
            raise InputError(f"product {product.name!r} has no emotion {emotion!r}; it has: "
                             f"{', '.join(sorted(held)) or 'none besides its default'}")
        removed = held.pop(code)
        product.keep_emotions(held)
        session.add(product)
        session.commit()
        (ws.role_dir(role) / removed.ref_audio).unlink(missing_ok=True)
        return product_info(ws, role, product)
