"""What a finder run waits for between probe rounds, read from the round's job rows."""
from __future__ import annotations

from sqlalchemy import text

from ras.finder import stages
from ras.library import importer, roles, texts
from ras.queue import tasks
from ras.store.main_tables import utcnow
from ras.store.workspace import Workspace
from tests.fixtures.app import write_tone


def test_a_take_whose_analysis_failed_no_longer_holds_the_round_back(tmp_path):
    ws = Workspace(tmp_path / "roles")
    role = roles.create_role(ws=ws, category="寻找", name="等待")
    write_tone(tmp_path / "ref.wav", 4.0)
    (tmp_path / "r.list").write_text(f"{tmp_path / 'ref.wav'}|s|en|A calm reference voice.\n", encoding="utf-8")
    importer.import_list(ws=ws, role=role, list_path=tmp_path / "r.list")
    text_id = texts.add_text(ws=ws, content="The lake is quiet today.", lang="en")
    task_id = tasks.create_task(ws=ws, role=role, spec={"clip_ids": [1], "text_ids": [text_id],
                                                        "vary": {"seed": [1, 2, 3]}}).task_id
    with ws.role_engine(role).begin() as conn:  # 1 analysed, 2 analysis gave up, 3 just finished
        conn.execute(text("UPDATE job SET status='done', result_path='results/x.wav', finished_at=:now"),
                     {"now": utcnow().replace(tzinfo=None).isoformat(sep=" ")})
        conn.execute(text("UPDATE job SET spectrogram_path='x.png', auto_score=80 WHERE id=1"))
        conn.execute(text("UPDATE job SET analysis_error='no answer within 90 s (failed twice)' WHERE id=2"))
    try:
        with ws.role_session(role) as session:
            takes, counts = stages.load_takes(session, [task_id])
        assert counts["analysis_failed"] == 1 and counts["awaiting_analysis"] == 1  # only job 3 is waited for
        assert [t.judged for t in takes] == [True, False, False]  # without metrics a take has no verdict
        with ws.role_engine(role).begin() as conn:
            conn.execute(text("UPDATE job SET analysis_error='crashed (failed twice)' WHERE id=3"))
        with ws.role_session(role) as session:
            _, counts = stages.load_takes(session, [task_id])
        assert counts["analysis_failed"] == 2 and not counts.get("awaiting_analysis")
    finally:
        ws.close()
