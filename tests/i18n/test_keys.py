"""Every i18n key the UI uses has a translation in both locale files, and no locale entry is unused."""
from __future__ import annotations

import json
import re
from pathlib import Path

from i18n import LOCALE_DIR, I18nAuto
from ras.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
# Literal keys: i18n("..."), ui_action(i18n, "..."), @handles("...") and ("label", code) choice pairs in tabs/.
LITERAL_PATTERNS = (
    re.compile(r'i18n\(\s*"([^"]+)"\s*\)'),
    re.compile(r"i18n\(\s*'([^']+)'\s*\)"),
    re.compile(r'ui_action\(\s*(?:ctx\.)?i18n\s*,\s*"([^"]+)"\s*\)'),
    re.compile(r'@handles\(\s*"([^"]+)"\s*\)'),
)


class RecordingI18n(I18nAuto):
    def __init__(self, language: str):
        super().__init__(language)
        self.asked: set[str] = set()

    def __call__(self, key: str) -> str:
        self.asked.add(key)
        return super().__call__(key)


def literal_keys() -> set[str]:
    keys: set[str] = set()
    for path in [ROOT / "webui_ras.py", *(ROOT / "tabs").glob("*.py")]:
        source = path.read_text(encoding="utf-8")
        for pattern in LITERAL_PATTERNS:
            keys.update(pattern.findall(source))
    return keys


def built_keys(tmp_path) -> set[str]:
    """Keys asked while building every tab (labels held in tables and tuples)."""
    import webui_ras

    ctx = webui_ras.make_context(Settings(roles_dir=tmp_path / "roles"))
    ctx.i18n = RecordingI18n("zh_CN")
    webui_ras.build_app(ctx)
    return ctx.i18n.asked


def used_keys(tmp_path) -> set[str]:
    return literal_keys() | built_keys(tmp_path)


def test_every_used_key_is_translated_in_both_locales(tmp_path):
    used = used_keys(tmp_path)
    assert len(used) > 50
    for language in ("zh_CN", "en_US"):
        table = json.loads((LOCALE_DIR / f"{language}.json").read_text(encoding="utf-8"))
        missing = sorted(used - table.keys())
        assert not missing, f"{language}.json lacks {missing}"
        untranslated = [k for k in used if not table[k].strip()]
        assert not untranslated, f"{language}.json has empty values for {untranslated}"


def test_no_locale_entry_is_unused(tmp_path):
    used = used_keys(tmp_path)
    for language in ("zh_CN", "en_US"):
        table = json.loads((LOCALE_DIR / f"{language}.json").read_text(encoding="utf-8"))
        unused = sorted(table.keys() - used)
        assert not unused, f"{language}.json has keys no code uses: {unused}"


def test_unknown_key_falls_back_to_itself_and_english_differs():
    english = I18nAuto("en_US")
    assert english("不存在的键") == "不存在的键"
    assert english("新建角色") != "新建角色"
    assert I18nAuto("xx_XX").language == "zh_CN"
