"""Speech by product name (/tts): one take with the product's settings, or with the autopilot a take
measured and re-rolled with a new seed until one passes the product's quality gate.

A text with inline emotion tags ([开心]…, (sad)…) is spoken piece by piece, each piece with its
emotion's reference (ras.products.emotions) and judged by the gate alone, then joined into one wav."""
from __future__ import annotations

import dataclasses
import logging
import random
import uuid
from pathlib import Path

from gsv_integration.request import SynthesisRequest
from ras.audio.files import atomic_target
from ras.audio.join import join_wavs
from ras.errors import InputError, NotFound
from ras.gate import Gate, Take, best_take, checked_max_tries, passes, rate_range, with_cer_floors
from ras.products.emotions import Reference, default_reference, tagged_pieces
from ras.products.rows import PRODUCTS_DIR, find_product, product_row
from ras.store.role_tables import Product
from ras.store.workspace import Workspace

log = logging.getLogger(__name__)

TTS_KEEP = 50  # synthesized files kept per product; older ones are removed


def build_request(ws: Workspace, role: str, product: Product, text: str, text_lang: str,
                  reference: Reference | None = None) -> SynthesisRequest:
    """The product's request for `text`, spoken with `reference` (None: the product's default)."""
    role_dir = ws.role_dir(role)
    reference = reference or default_reference(product)
    return SynthesisRequest(
        text=text, text_lang=text_lang, ref_audio_path=str(role_dir / reference.ref_audio),
        prompt_text=reference.prompt_text, prompt_lang=reference.prompt_lang,
        aux_ref_audio_paths=[str(role_dir / p) for p in product.aux_refs],
        gpt_weights=product.gpt_weights, sovits_weights=product.sovits_weights, **product.params,
    ).validate()


def tts(*, ws: Workspace, runner, product: str, text: str, text_lang: str, max_tries: int = 1,
        measure=None, gate: Gate | None = None, emotion: str | None = None) -> Path:
    """Synthesize `text` with the product named `product` (any role); returns the wav.

    `emotion` picks the product's reference for that emotion (None: its default); inline tags in the
    text switch it for the sentences they open (an unknown emotion is refused before anything runs).
    With max_tries > 1 each take is measured (`measure(wav, text, text_lang, ref, prompt_text=...)`
    -> the analysis report; the reference's text lets it catch a take that speaks it) and judged by
    the gate (the product's own unless `gate` is given); a take that fails is synthesized again with
    a new seed, and the best take is returned."""
    tries = checked_max_tries(max_tries)
    if tries > 1 and measure is None:
        raise ValueError("max_tries > 1 needs the analysis step to measure takes")
    owner = find_product(ws, (product or "").strip())
    if owner is None:
        raise NotFound(f"no product named {product!r}; see /list_products")
    role, product_id = owner
    with ws.role_session(role) as session:
        row = product_row(session, role, product_id)
    pieces = tagged_pieces(row, text, emotion)
    if not pieces:
        raise InputError("the text has nothing to say (only tags or punctuation); type what to synthesize")
    gate = gate or Gate.from_json(row.gate_json)
    folder = ws.role_dir(role) / PRODUCTS_DIR / str(product_id) / "tts"
    folder.mkdir(parents=True, exist_ok=True)
    finals = []
    for piece in pieces:
        request = build_request(ws, role, row, piece.text, text_lang, piece.reference)
        finals.append(_speak(runner, request, folder, tries, measure, gate))
    if len(finals) == 1:
        final = finals[0]
    else:
        final = join_wavs(finals, folder / f"{uuid.uuid4().hex[:16]}.wav").path
        for path in finals:
            path.unlink(missing_ok=True)
    _prune(folder)
    return final


def _speak(runner, request: SynthesisRequest, folder: Path, tries: int, measure, gate: Gate) -> Path:
    """One piece's wav: a single take, or the autopilot's best of up to `tries` takes."""
    text, text_lang = request.text, request.text_lang
    takes: list[tuple[Take, Path]] = []
    for attempt in range(tries):
        if attempt:  # the product's own seed gave a bad take: another seed, same everything else
            request = dataclasses.replace(request, seed=random.randint(0, 2**31 - 1))
        final = folder / f"{uuid.uuid4().hex[:16]}.wav"
        with atomic_target(final) as temp:
            runner.synthesize_now(request, str(temp))
        if tries == 1:
            break
        takes.append((_measured_take(measure, len(takes), final, text, text_lang, request), final))
        measured = with_cer_floors([t for t, _ in takes])
        if passes(measured[-1], gate, rate_range(measured, gate)):
            break
    if tries > 1:
        measured = with_cer_floors([t for t, _ in takes])
        best = best_take(measured, gate, rate_range(measured, gate))
        final = takes[best.take_id][1]
        for _, path in takes:
            if path != final:
                path.unlink(missing_ok=True)
    return final


def _prune(folder: Path) -> None:
    files = sorted(folder.glob("*.wav"), key=lambda p: p.stat().st_mtime)
    for old in files[:-TTS_KEEP]:
        old.unlink(missing_ok=True)


def _measured_take(measure, index: int, wav: Path, text: str, text_lang: str, request: SynthesisRequest) -> Take:
    """What the gate reads of one /tts take; a take that cannot be measured does not pass (the next try
    goes on, and it is returned only when no take could be measured)."""
    try:
        report = measure(wav, text, text_lang, Path(request.ref_audio_path), prompt_text=request.prompt_text)
    except Exception as exc:  # noqa: BLE001 - any failure to measure leaves the take unmeasured, not the call failed
        log.warning("could not measure /tts take %s: %s: %s", wav.name, type(exc).__name__, exc)
        return Take(index, False, analysis_failed=True)
    metrics = report["metrics"]
    return Take(index, True, report["auto_score"], tuple(report["flags"]), metrics.get("chars_per_second"),
                metrics.get("cer"))
