import json

import pytest
from sqlalchemy import text

from ras import results
from ras.analysis import score_weights
from ras.library import importer, roles, texts
from ras.metrics import scoring
from ras.queue import tasks
from ras.store.workspace import Workspace
from tests.fixtures.app import write_tone


def test_weights_persist_and_rescore_stored_metrics(tmp_path):
    ws = Workspace(tmp_path / "roles")
    assert score_weights.load_weights(ws=ws) == scoring.DEFAULT_WEIGHTS
    role = roles.create_role(ws=ws, category="权重", name="测试")
    write_tone(tmp_path / "a.wav", 4.0)
    (tmp_path / "a.list").write_text(f"{tmp_path}/a.wav|s|en|reference\n", encoding="utf-8")
    importer.import_list(ws=ws, role=role, list_path=tmp_path / "a.list")
    task_id = tasks.create_task(ws=ws, role=role, spec={"clip_ids": [1], "text_ids": [
        texts.add_text(ws=ws, content="one two three four five", lang="en")]}).task_id
    metrics = {"metrics": {"longest_pause": 2.0, "duration": 3.0}, "missing": {}}
    with ws.role_engine(role).begin() as conn:
        conn.execute(text("UPDATE job SET status='done', duration=3, result_path='r.wav', metrics_json=:m"),
                     {"m": json.dumps(metrics)})
    merged = score_weights.save_weights(ws=ws, weights={"long_pause": 50})
    assert score_weights.rescore_role(ws=ws, role=role, weights=merged) == 1
    result = results.list_results(ws=ws, role=role, task_id=task_id).results[0]
    assert result.auto_score <= 50 and "long_pause" in result.flags
    merged = score_weights.save_weights(ws=ws, weights={"long_pause": 0})  # a rule switched off
    score_weights.rescore_role(ws=ws, role=role, weights=merged)
    result = results.list_results(ws=ws, role=role, task_id=task_id).results[0]
    assert "long_pause" not in result.flags and result.auto_score > 90
    assert score_weights.load_weights(ws=ws)["long_pause"] == 0
    with pytest.raises(ValueError):
        score_weights.save_weights(ws=ws, weights={"no_such_rule": 3})
    with pytest.raises(ValueError, match="number"):
        score_weights.save_weights(ws=ws, weights={"long_pause": "lots"})
    ws.close()
