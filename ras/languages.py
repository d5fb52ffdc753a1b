"""GPT-SoVITS language codes, and the spellings .list files use for them."""
from __future__ import annotations

import re

from gsv_integration.request import LANGUAGES
from ras.errors import InputError

# The codes GPT-SoVITS's inference accepts (text_lang / prompt_lang).
LANG_CODES = LANGUAGES
# Older lists and other tools write these.
_ALIASES = {"jp": "ja", "all_jp": "all_ja", "cn": "zh", "kr": "ko", "kor": "ko", "jpn": "ja", "eng": "en", "chn": "zh",
            "zh-cn": "zh", "zh_cn": "zh", "zh-hans": "zh", "en-us": "en", "en_us": "en", "en-gb": "en",
            "ja-jp": "ja", "ja_jp": "ja", "ko-kr": "ko", "ko_kr": "ko", "zh-hk": "yue", "zh_hk": "yue"}
# Languages always written in Chinese or Japanese script: a text in them is counted by characters.
CJK_LANGS = frozenset({"zh", "all_zh", "ja", "all_ja", "yue", "all_yue"})
AUTO_LANGS = ("auto", "auto_yue")  # GPT-SoVITS detects the language per segment

# Unicode ranges of the scripts that are read one character (one syllable) at a time.
KANA = "\u3040-\u30ff"
HAN = "\u4e00-\u9fff"
HAN_RARE = "\u3400-\u4dbf\uf900-\ufaff"  # extension A and compatibility ideographs
HANGUL = "\uac00-\ud7af"
CJK_CHAR = re.compile(f"[{KANA}{HAN_RARE}{HAN}{HANGUL}]")


def normalize_lang(value: str) -> str | None:
    """'ZH' -> 'zh', 'JP' -> 'ja'; None for an unknown code."""
    code = value.strip().lower()
    code = _ALIASES.get(code, code)
    return code if code in LANG_CODES else None


def require_lang(value: str) -> str:
    code = normalize_lang(value or "")
    if code is None:
        raise InputError(f"unknown language code {value!r}; use one of {', '.join(LANG_CODES)}")
    return code
