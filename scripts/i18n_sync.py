"""Developer helper: add new i18n keys to zh_CN.json (key = text), drop unused ones,
and list the keys en_US.json still lacks. Run with RAS's venv from the repo root."""
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from i18n import LOCALE_DIR
from tests.i18n.test_keys import used_keys

used = sorted(used_keys(Path(tempfile.mkdtemp())))
(LOCALE_DIR / "zh_CN.json").write_text(json.dumps({k: k for k in used}, ensure_ascii=False, indent=2) + "\n",
                                       encoding="utf-8")
en_path = LOCALE_DIR / "en_US.json"
english = json.loads(en_path.read_text(encoding="utf-8")) if en_path.exists() else {}
english = {k: v for k, v in english.items() if k in used}
en_path.write_text(json.dumps(english, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
missing = [k for k in used if k not in english]
print(json.dumps(missing, ensure_ascii=False, indent=0))
