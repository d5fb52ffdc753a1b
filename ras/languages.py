"""GPT-SoVITS language codes, and the spellings .list files use for them."""
from __future__ import annotations

from ras.errors import InputError

# The codes GPT-SoVITS's inference accepts (text_lang / prompt_lang).
LANG_CODES = ("zh", "en", "ja", "ko", "yue", "all_zh", "all_ja", "all_yue", "all_ko", "auto", "auto_yue")
# Older lists and other tools write these.
_ALIASES = {"jp": "ja", "all_jp": "all_ja", "cn": "zh", "kr": "ko", "kor": "ko", "jpn": "ja", "eng": "en", "chn": "zh",
            "zh-cn": "zh", "zh_cn": "zh", "zh-hans": "zh", "en-us": "en", "en_us": "en", "en-gb": "en",
            "ja-jp": "ja", "ja_jp": "ja", "ko-kr": "ko", "ko_kr": "ko", "zh-hk": "yue", "zh_hk": "yue"}
CJK_LANGS = {"zh", "ja", "yue", "all_zh", "all_ja", "all_yue", "auto", "auto_yue"}


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
