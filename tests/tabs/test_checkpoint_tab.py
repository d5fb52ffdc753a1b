"""The find-checkpoint tab's handlers: models listed, a search started, its ranking and epoch charts shown."""
from __future__ import annotations

import json

import pytest
from sqlmodel import select

import webui_ras
from ras.finder import config_stages
from ras.library import importer, roles
from ras.settings import Settings
from ras.store.role_tables import Job, ParamSet
from tabs import checkpoint
from tests.fixtures.app import write_tone
from tests.fixtures.planted_checkpoints import DEFAULT_GPT, DEFAULT_SOVITS, write_checkpoints
from tests.fixtures.ui import build_tab


class QueueStub:
    def is_active(self, role, task_id):
        return True

    def run_task(self, role, task_id):
        pass

    def median_job_seconds(self):
        return None


@pytest.fixture
def page(tmp_path):
    weights = write_checkpoints(tmp_path / "weights", {e: DEFAULT_GPT[e] for e in (5, 15, 50)},
                                {e: DEFAULT_SOVITS[e] for e in (8, 16)})
    ctx = webui_ras.make_context(Settings(roles_dir=tmp_path / "roles", lang="zh_CN",
                                          engine_urls=("http://127.0.0.1:9",), weights_dirs=(weights.root,)))
    role = roles.create_role(ws=ctx.ws, category="女性", name="甲")
    write_tone(tmp_path / "ref.wav", 4.0)
    (tmp_path / "r.list").write_text(f"{tmp_path / 'ref.wav'}|s|en|A calm reference voice.\n", encoding="utf-8")
    importer.import_list(ws=ctx.ws, role=role, list_path=tmp_path / "r.list")
    yield ctx, build_tab(checkpoint, ctx), role
    ctx.ws.close()


def finish_rounds(ctx, role: str, run_id: int, failing_gpt: str) -> None:
    """Play engine and analysis: every take of the failing GPT repeats itself, the others pass."""
    for _ in range(12):
        if config_stages.do_probe(ctx.ws, QueueStub(), role, run_id).startswith("stopped"):
            break
        with ctx.ws.role_session(role) as session:
            bad = {ps.id for ps in session.exec(select(ParamSet)).all() if ps.params["gpt"].endswith(failing_gpt)}
            for job in session.exec(select(Job).where(Job.status == "queued")).all():
                failed = job.param_set_id in bad
                job.status, job.result_path, job.spectrogram_path = "done", "x.wav", "x.png"
                job.auto_score, job.flags_json = (40.0, json.dumps(["repeat"])) if failed else (85.0, "[]")
                session.add(job)
            session.commit()
    config_stages.do_rank(ctx.ws, role, run_id)


def test_a_search_shows_its_recommendation_ranking_and_failure_by_epoch(page):
    ctx, tab, role = page
    listed = checkpoint.refresh(ctx, tab, role=role, run=None)
    assert [name for name, _ in listed[tab.gpt]["choices"]] == [f"GPT_weights_v2/voice-e{e}.ckpt" for e in (5, 15, 50)]
    assert len(listed[tab.sovits]["choices"]) == 2 and listed[tab.run]["choices"] == []
    started = checkpoint.start(ctx, tab, role=role, gpt=[], sovits=[], clip_ids="1", budget=0)
    run_id = started[tab.run]["value"]
    assert started[tab.run]["choices"][0][1] == run_id
    finish_rounds(ctx, role, run_id, failing_gpt="voice-e50.ckpt")
    shown = checkpoint.show(ctx, tab, role=role, run=run_id)
    assert "推荐" in shown[tab.summary] and "模型加载次数" in shown[tab.summary]
    first = shown[tab.ranking][0]
    assert "e50" not in first[1] and first[2] == 100.0
    e50 = next(row for row in shown[tab.ranking] if "GPT e50" in row[1])
    assert e50[6] == "100%"  # the repeat column
    gpt_chart = shown[tab.gpt_chart]
    assert list(gpt_chart["epoch"]) == [5, 15, 50] and gpt_chart["fail_rate"].iloc[-1] == 100.0
    assert list(shown[tab.sovits_chart]["epoch"]) == [8, 16]
