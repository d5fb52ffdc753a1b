"""One take's metrics with the analysis models RAS is configured with: shared by the
background analysis processes and the in-process measurement of a single file."""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ras.metrics.asr import AsrConfig

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)


class SpeakerEncoderSlot:
    """The speaker encoder, loaded once on first use; a model that will not load makes
    speaker similarity absent (with the reason), not an error."""

    def __init__(self, sv_model: Path | None, gsv_root: Path | None):
        self.sv_model, self.gsv_root = sv_model, gsv_root
        self._lock = threading.Lock()
        self._encoder = None
        self.error: str | None = None

    def get(self):
        with self._lock:
            if self._encoder is None and self.error is None:
                try:
                    from ras.metrics.speaker import load_encoder

                    self._encoder = load_encoder(str(self.sv_model) if self.sv_model else None,
                                                 gsv_root=str(self.gsv_root) if self.gsv_root else None)
                except Exception as exc:  # noqa: BLE001
                    self.error = f"speaker encoder unavailable: {exc}"
                    log.warning(self.error)
            return self._encoder


def measure_take(samples: np.ndarray, sr: int, text: str, text_lang: str, ref: Path | None, *,
                 encoder_slot: SpeakerEncoderSlot, asr: AsrConfig, weights: dict, prompt_text: str = "") -> dict:
    """analyze_samples with the configured speaker encoder and the ASR model chosen for text_lang
    (FunASR or faster-whisper, looked up again for each take: a model fetched since is used at once);
    prompt_text is the reference's own text (a take opening with it gets text_leak)."""
    from ras.metrics import analyze_samples

    encoder = encoder_slot.get() if ref is not None else None
    report = analyze_samples(samples, sr, text, text_lang, ref_path=str(ref) if ref else None,
                             speaker_encoder=encoder, asr_model=asr.choose(text_lang), asr_device=asr.device,
                             prompt_text=prompt_text, weights=weights)
    if encoder is None and ref is not None and encoder_slot.error:
        report["missing"]["speaker_similarity"] = encoder_slot.error
    return report
