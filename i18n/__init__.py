"""GPT-SoVITS-style i18n: `i18n("中文")` looks the key up in the locale file, falling back to the key."""
from __future__ import annotations

import json
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LANGUAGE = "zh_CN"


def load_locale(language: str) -> dict[str, str]:
    path = LOCALE_DIR / f"{language}.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


class I18nAuto:
    def __init__(self, language: str = DEFAULT_LANGUAGE):
        self.language = language if (LOCALE_DIR / f"{language}.json").is_file() else DEFAULT_LANGUAGE
        self._table = load_locale(self.language)

    def __call__(self, key: str) -> str:
        return self._table.get(key, key)

    def __repr__(self) -> str:
        return f"Use Language: {self.language}"
