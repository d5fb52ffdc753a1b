"""Developer helper: add English translations from a JSON object {key: english} on stdin."""
import json
import sys
from pathlib import Path

path = Path(__file__).resolve().parent.parent / "i18n" / "locale" / "en_US.json"
english = json.loads(path.read_text(encoding="utf-8"))
english.update(json.load(sys.stdin))
zh = json.loads(path.with_name("zh_CN.json").read_text(encoding="utf-8"))
ordered = {k: english[k] for k in zh if k in english}
path.write_text(json.dumps(ordered, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
print("still missing:", [k for k in zh if k not in english])
