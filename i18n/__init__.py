"""GPT-SoVITS-style i18n: `i18n("中文")` looks the key up in the locale file, falling back to the key.

Two ways to pick the language:
- forced (`--lang en_US`): every visitor sees that language, as GPT-SoVITS's webui does;
- following each visitor (no `--lang`): while the page is built, `i18n(key)` returns a marker that the
  browser replaces with the text in its own locale (Gradio's I18n tables, see `browser_tables`); while a
  handler runs, `i18n(key)` returns the text in the language of the visitor who asked (`speaking`).
  Text built from several markers, or formatted with arguments, is resolved on the server (`localize`).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES = ("zh_CN", "en_US")
_FAMILIES = {"zh": "zh_CN", "en": "en_US"}  # a browser's primary language tag -> our locale file
# Gradio picks its browser locale from the navigator ("en-US" -> "en", "zh-CN" -> "zh-CN" -> "zh"),
# so one table per family reaches every region of it
BROWSER_LOCALES = {"zh_CN": "zh", "en_US": "en"}

# Keys Gradio's own page asks for that its 6.x locale files lack: its screen-reader status line (visually
# hidden, but read aloud and part of the page's text) said "common.complete" after every event.
GRADIO_MISSING_KEYS = {"zh": {"common.complete": "完成"}, "en": {"common.complete": "Complete"}}

MARKER = "__i18n__"
_MARKER_TYPE = "translation_metadata"
_visitor_language: ContextVar[str | None] = ContextVar("ras_visitor_language", default=None)


def load_locale(language: str) -> dict[str, str]:
    path = LOCALE_DIR / f"{language}.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def negotiate(accept_language: str | None) -> str:
    """The locale for an Accept-Language header: its most wanted zh or en tag, else Chinese."""
    wanted = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        match = re.search(r"q\s*=\s*([0-9.]+)", params)
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            wanted.append((-quality, position, tag.strip().lower()))
    for _, _, tag in sorted(wanted):
        language = _FAMILIES.get(re.split(r"[-_]", tag)[0])
        if language:
            return language
    return DEFAULT_LANGUAGE


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Within this block, `i18n(key)` answers in `language` (the visitor a handler serves)."""
    token = _visitor_language.set(language)
    try:
        yield
    finally:
        _visitor_language.reset(token)


def marker(key: str, args: tuple = (), kwargs: dict | None = None) -> str:
    """Gradio's translation marker for `key`; with format arguments it is one only the server resolves."""
    data: dict[str, Any] = {"__type__": _MARKER_TYPE, "key": key}
    if args or kwargs:
        data["args"] = [_plain(a) for a in args]
        data["kwargs"] = {k: _plain(v) for k, v in (kwargs or {}).items()}
    return MARKER + json.dumps(data)


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


class MarkedText(str):
    """A build-time text marker. `.format(...)` keeps its arguments in the marker, so the server can fill
    them in after translating the template (the browser alone would show the template unfilled)."""

    key: str

    def __new__(cls, key: str) -> MarkedText:
        text = super().__new__(cls, marker(key))
        text.key = key
        return text

    def format(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        return marker(self.key, args, kwargs)

    def __reduce__(self):  # a copy (Gradio deep-copies its config) is the same marker, not a marker of it
        return MarkedText, (self.key,)


def _markers(text: str) -> Iterator[tuple[int, int, dict]]:
    """(start, end, data) of every marker in `text`."""
    decoder = json.JSONDecoder()
    start = text.find(MARKER)
    while start != -1:
        body = start + len(MARKER)
        try:
            data, end = decoder.raw_decode(text, body)
        except ValueError:
            data, end = None, body
        if isinstance(data, dict) and data.get("__type__") == _MARKER_TYPE and isinstance(data.get("key"), str):
            yield start, end, data
        start = text.find(MARKER, end)


def has_marker(value: Any) -> bool:
    """Does `value` (a string, or lists/tuples/dicts of them) hold a text marker anywhere?"""
    if isinstance(value, str):
        return MARKER in value
    if isinstance(value, dict):
        return any(has_marker(v) or has_marker(k) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(has_marker(v) for v in value)
    return False


def browser_translates(text: str) -> bool:
    """Can the browser translate this string alone? Gradio's page replaces only the first marker of a
    string, reads a marker up to its first "}", and knows nothing of format arguments."""
    found = list(_markers(text))
    if len(found) != 1 or text.count(MARKER) != 1:
        return False
    data = found[0][2]
    return "args" not in data and "}" not in data["key"]


class I18nAuto:
    def __init__(self, language: str | None = DEFAULT_LANGUAGE):
        """`language` forces one locale for everybody; "" or None follows each visitor."""
        self.follows_visitor = not language
        if self.follows_visitor:
            self.language = DEFAULT_LANGUAGE
        else:
            self.language = language if (LOCALE_DIR / f"{language}.json").is_file() else DEFAULT_LANGUAGE
        self._tables = {name: load_locale(name) for name in LANGUAGES}
        self._table = self._tables.get(self.language) or load_locale(self.language)

    def __call__(self, key: str) -> str:
        if not self.follows_visitor:
            return self._table.get(key, key)
        visitor = _visitor_language.get()
        if visitor is None:  # building the page: the browser will translate
            return MarkedText(key)
        return self.text(key, visitor)

    def text(self, key: str, language: str) -> str:
        """`key` in `language` (forced mode answers in its own language)."""
        if not self.follows_visitor:
            return self._table.get(key, key)
        return self._tables.get(language, {}).get(key, key)

    def current_language(self) -> str:
        """The language a handler answers in now."""
        if not self.follows_visitor:
            return self.language
        return _visitor_language.get() or DEFAULT_LANGUAGE

    def localize(self, value: Any, language: str | None = None) -> Any:
        """`value` with every marker in it (in strings, lists, tuples and dict values) replaced by its text
        in `language` (default: the current visitor's), format arguments filled in."""
        # a forced language builds no markers; most other answers hold none: returned as they are
        if not self.follows_visitor or not has_marker(value):
            return value
        language = language or self.current_language()
        if isinstance(value, str):
            return self._localize_text(value, language)
        if isinstance(value, dict):
            return {k: self.localize(v, language) for k, v in value.items()}
        if isinstance(value, list):
            return [self.localize(v, language) for v in value]
        if isinstance(value, tuple):
            return tuple(self.localize(v, language) for v in value)
        return value

    def _localize_text(self, text: str, language: str) -> str:
        parts, done = [], 0
        for start, end, data in _markers(text):
            translated = self.text(data["key"], language)
            if "args" in data:
                args = [self.localize(a, language) for a in data.get("args", [])]
                kwargs = {k: self.localize(v, language) for k, v in data.get("kwargs", {}).items()}
                try:
                    translated = translated.format(*args, **kwargs)
                except (IndexError, KeyError, ValueError):  # a translation that lost a placeholder
                    translated = data["key"].format(*args, **kwargs)
            parts += [text[done:start], translated]
            done = end
        return "".join(parts) + text[done:]

    def browser_tables(self) -> dict[str, dict[str, str]]:
        """Gradio I18n tables by browser locale. The Chinese table maps each key to itself: without it a
        Chinese browser would fall back to Gradio's fallback locale, English."""
        return {BROWSER_LOCALES[name]: {**self._tables[name], **GRADIO_MISSING_KEYS[BROWSER_LOCALES[name]]}
                for name in LANGUAGES}

    def __repr__(self) -> str:
        return "Use Language: follows each visitor" if self.follows_visitor else f"Use Language: {self.language}"
