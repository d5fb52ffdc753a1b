"""One way to hold the analysis models (speaker encoder, DNSMOS session, Whisper): each is loaded on first
use, never at import, once per process and key, and shared by the threads that use it."""
from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Model = TypeVar("Model")


class ModelCache(Generic[Model]):
    def __init__(self) -> None:
        self._models: dict[Hashable, Model] = {}
        self._lock = threading.Lock()  # held while loading: two first uses load the model once

    def get(self, key: Hashable, load: Callable[[], Model]) -> Model:
        """The model for `key`, loaded with `load()` the first time; a failed load is retried next time."""
        with self._lock:
            if key not in self._models:
                self._models[key] = load()
            return self._models[key]

    def clear(self) -> None:
        """Forget the loaded models (frees their memory; tests start from nothing)."""
        with self._lock:
            self._models.clear()
