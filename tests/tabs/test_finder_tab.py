"""The find-reference tab's handlers, called as plain functions on a run whose takes are written by hand:
what the progress line says while takes are made and analysed, the shortlist on top of the ranking, reasons
in words with their numbers on hover, the role's own probe texts, and a role switch without an error."""
from __future__ import annotations

import gradio as gr
import pandas as pd
import pytest
from sqlalchemy import text

import webui_ras
from ras.finder import emotion_runs, stages
from ras.finder import run as finder_runs
from ras.finder.reasons import Reason
from ras.finder.screen import ScreenRow
from ras.library import importer, roles, texts
from ras.settings import Settings
from ras.store.main_tables import utcnow
from tabs import finder as finder_tab
from tabs import finder_events as events
from tests.fixtures.app import write_tone
from tests.fixtures.ui import build_tab, long_text_picker, through_page

CLIPS = 4  # clip 4 is screened out as noisy


class QuietRunner:
    """A runner that only takes note: the test writes the jobs' outcomes itself."""

    def run_task(self, role, task_id):
        pass

    def is_active(self, role, task_id):
        return True


def make_role(ctx, folder, name: str, lang: str = "en") -> str:
    role = roles.create_role(ws=ctx.ws, category="找参考", name=name)
    lines = []
    for i in range(CLIPS):
        wav = write_tone(folder / name / f"clip{i}.wav", 4.0, seed=i)
        lines.append(f"{wav}|spk|{lang}|A calm reference voice, clip number {i}.")
    (folder / name / "refs.list").write_text("\n".join(lines), encoding="utf-8")
    importer.import_list(ws=ctx.ws, role=role, list_path=folder / name / "refs.list")
    return role


def screened_run(ctx, role: str) -> int:
    """A run past screening, as the driver would store it: clip 4 excluded as noisy."""
    run_id = finder_runs.create_run(ws=ctx.ws, role=role, spec={"shortlist": 2, "budget_jobs": 9})
    rows = [ScreenRow(c, False) for c in (1, 2, 3)]
    rows.append(ScreenRow(4, True, why=(Reason("noisy", "speech 4 dB above the noise floor (< 25)",
                                               {"snr_db": 4, "limit": 25.0}),)))
    finder_runs.update_run(ctx.ws, role, run_id, screened_json=[r.stored() for r in rows], stage="probe")
    return run_id


def land(ctx, role: str, *, analysed: bool, failing_clip: int | None = None) -> None:
    """Every queued take of the role is synthesized; with `analysed`, its metrics are stored too."""
    with ctx.ws.role_engine(role).begin() as conn:
        conn.execute(text("UPDATE job SET status='done', result_path='results/x.wav', finished_at=:now "
                          "WHERE status='queued'"), {"now": utcnow().replace(tzinfo=None).isoformat(sep=" ")})
        if analysed:
            conn.execute(text("UPDATE job SET spectrogram_path='x.png', auto_score=90, flags_json='[]' "
                              "WHERE status='done' AND spectrogram_path=''"))
            if failing_clip:
                conn.execute(text("UPDATE job SET auto_score=20, flags_json='[\"repeat\"]' WHERE clip_id=:c"),
                             {"c": failing_clip})


@pytest.fixture
def page(ui_ctx, tmp_path):
    return ui_ctx, build_tab(finder_tab, ui_ctx), make_role(ui_ctx, tmp_path, "页面")


def polled(ctx, tab, role, run_id) -> dict:
    return events.poll(ctx, tab, role=role, run=run_id, shown="")


def test_the_progress_line_says_what_the_run_waits_for_and_when_it_is_finished(page):
    ctx, tab, role = page
    run_id = screened_run(ctx, role)
    stages.do_probe(ctx.ws, QuietRunner(), role, run_id)  # round 1: one take per candidate
    assert "第 1 轮试合成：还有 3 个作业" in polled(ctx, tab, role, run_id)[tab.progress]
    assert "按筛查后留下的" not in polled(ctx, tab, role, run_id)[tab.progress]  # this budget was set by hand

    land(ctx, role, analysed=False)
    shown = polled(ctx, tab, role, run_id)[tab.progress]
    assert "等待 3 条结果的分析" in shown and "预计" not in shown

    land(ctx, role, analysed=True, failing_clip=3)
    while finder_runs.load_run(ctx.ws, role, run_id).stage == "probe":
        stages.do_probe(ctx.ws, QuietRunner(), role, run_id)
        land(ctx, role, analysed=True, failing_clip=3)
    stages.do_rank(ctx.ws, role, run_id)
    answer = polled(ctx, tab, role, run_id)
    assert "完成" in answer[tab.progress] and "所有结果都已分析" in answer[tab.progress]
    assert "预算 9" in answer[tab.progress]


def test_the_shortlist_tops_the_ranking_and_every_other_row_says_why(page):
    ctx, tab, role = page
    run_id = screened_run(ctx, role)
    while finder_runs.load_run(ctx.ws, role, run_id).stage == "probe":
        stages.do_probe(ctx.ws, QuietRunner(), role, run_id)
        land(ctx, role, analysed=True, failing_clip=3)
    stages.do_rank(ctx.ws, role, run_id)
    answer = polled(ctx, tab, role, run_id)
    ranking = pd.DataFrame(answer[tab.ranking])
    shortlisted = [row for row in answer[tab.ranking] if "候选名单第" in row[2]]
    assert [row[0] for row in shortlisted] == list(range(1, len(shortlisted) + 1))  # the shortlist comes first
    assert len(shortlisted) == sum(1 for slot in tab.slots if answer[slot.box]["visible"])
    others = ranking[~ranking[2].str.contains("候选名单第")]
    assert len(others) and all("title=" in why for why in others[2])  # why not, with its numbers on hover
    dropped = next(row for row in answer[tab.ranking] if row[1] == 3)
    assert "淘汰" in dropped[2] and "不合格" in dropped[9] and "重复" in dropped[9]

    noisy = next(row for row in answer[tab.screened] if row[0] == 4)
    assert "噪声大：语音只比底噪高 4 dB" in noisy[4] and "至少 25 dB" in noisy[4]  # words, numbers on hover
    assert "14" not in answer[tab.screen_summary] and "4 条音频中 3 条留作候选" in answer[tab.screen_summary]


def test_an_english_page_counts_takes_in_words_of_its_own(tmp_path):
    ctx = webui_ras.make_context(Settings(roles_dir=tmp_path / "roles", lang="en_US"))
    tab = build_tab(finder_tab, ctx)
    role = make_role(ctx, tmp_path, "english")
    run_id = screened_run(ctx, role)
    while finder_runs.load_run(ctx.ws, role, run_id).stage == "probe":
        stages.do_probe(ctx.ws, QuietRunner(), role, run_id)
        land(ctx, role, analysed=True)
    stages.do_rank(ctx.ws, role, run_id)
    answer = polled(ctx, tab, role, run_id)
    first = next(slot for slot in tab.slots if answer[slot.box]["visible"])
    assert "takes" in answer[first.info] and "clips" not in answer[first.info]
    assert "Done: the job budget is spent. Every take is analysed" in answer[tab.progress]
    assert "jobs done" in answer[tab.progress] and "作业" not in answer[tab.progress]
    noisy = next(row for row in answer[tab.screened] if row[0] == 4)
    assert "noisy: speech only 4 dB above the noise floor" in noisy[4]


def test_switching_role_shows_the_new_roles_runs_without_an_error(page, tmp_path):
    ctx, tab, role = page
    run_id = screened_run(ctx, role)
    other = make_role(ctx, tmp_path, "另一个")
    answer = events.poll(ctx, tab, role=other, run=run_id + 5, shown="something shown")
    assert answer[tab.run]["choices"] == [] and answer[tab.ranking] == [] and answer[tab.progress] == ""
    own = screened_run(ctx, other)
    answer = events.poll(ctx, tab, role=other, run=run_id + 5, shown="")
    assert [value for _, value in answer[tab.run]["choices"]] == [own] and answer[tab.run]["value"] == own
    refreshed = events.refresh(ctx, tab, role=other, run=run_id + 5, gpt=None, sovits=None, group=None,
                               chosen_texts=[], all_texts=False)
    assert refreshed[tab.run]["value"] == own


def test_the_probe_texts_offered_are_in_the_roles_language_unless_all_are_asked_for(page):
    ctx, tab, role = page
    chinese = texts.add_text(ws=ctx.ws, content="今天下午开会。", lang="zh")
    english = texts.add_text(ws=ctx.ws, content="The lake is quiet today.", lang="en")
    offered = events.show_texts(ctx, tab, role=role, all_texts=False, chosen_texts=[english, chinese])[tab.texts]
    assert offered["choices"] and all(label.startswith("[en]") for label, _ in offered["choices"])
    assert offered["value"] == [english]  # a pick no longer offered leaves the picked texts
    every = events.show_texts(ctx, tab, role=role, all_texts=True, chosen_texts=[])[tab.texts]
    assert any(label.startswith("[zh]") for label, _ in every["choices"])


def test_user_mistakes_are_named(page):
    ctx, tab, role = page
    run_id = screened_run(ctx, role)
    with pytest.raises(gr.Error, match="请填写音频编号"):
        events.start(ctx, tab, role=role, gpt=None, sovits=None, subset="ids", group=None, clip_ids="",
                     chosen_texts=[], budget=0, shortlist=5)
    with pytest.raises(Exception, match="clip 99 was not screened"):
        events.force(ctx, tab, role=role, run=run_id, clip_id=99)
    estimate = events.estimate(ctx, tab, role=role, subset="all", group=None, clip_ids="", chosen_texts=[],
                               budget=0, shortlist=2)[tab.estimate]
    assert "4/4 条音频时长可用" in estimate and "筛查后按留下的候选重新计算" in estimate


def test_a_short_estimate_is_said_in_seconds_not_as_zero_minutes(page, monkeypatch):
    ctx, tab, role = page
    monkeypatch.setattr(ctx.runner, "median_job_seconds", lambda: 0.5)  # a fast engine: the budget takes seconds
    estimate = events.estimate(ctx, tab, role=role, subset="all", group=None, clip_ids="", chosen_texts=[],
                               budget=20, shortlist=2)[tab.estimate]
    assert "约 10 秒" in estimate and "0.0" not in estimate
    monkeypatch.setattr(ctx.runner, "median_job_seconds", lambda: 6.0)
    estimate = events.estimate(ctx, tab, role=role, subset="all", group=None, clip_ids="", chosen_texts=[],
                               budget=20, shortlist=2)[tab.estimate]
    assert "约 2.0 分钟（按最近的速度）" in estimate


def tagged_role(ctx, folder, name: str) -> str:
    """3 happy clips, 3 sad ones and 1 angry one, tagged by their file names."""
    role = roles.create_role(ws=ctx.ws, category="找参考", name=name)
    lines = []
    for i, tag in enumerate(["开心"] * 3 + ["难过"] * 3 + ["生气"]):
        wav = write_tone(folder / name / f"【{tag}】clip{i}.wav", 4.0, seed=i)
        lines.append(f"{wav}|spk|en|A reference voice with a feeling, clip number {i}.")
    (folder / name / "refs.list").write_text("\n".join(lines), encoding="utf-8")
    importer.import_list(ws=ctx.ws, role=role, list_path=folder / name / "refs.list")
    return role


def test_a_per_emotion_run_shows_each_emotions_shortlist_and_lists_its_emotions_runs(ui_ctx, tmp_path):
    ctx, tab = ui_ctx, build_tab(finder_tab, ui_ctx)
    role = tagged_role(ctx, tmp_path, "情绪")
    run_id = events.start(ctx, tab, role=role, gpt=None, sovits=None, subset="all", group=None, clip_ids="",
                          chosen_texts=[], budget=12, shortlist=2, per_emotion=True)[tab.run]["value"]
    for child in finder_runs.list_runs(ws=ctx.ws, role=role):  # the driver's work, step by step
        if child.parent is None:
            continue
        spec = finder_runs.load_run(ctx.ws, role, child.run_id).spec
        finder_runs.update_run(ctx.ws, role, child.run_id, stage="probe",
                               screened_json=[ScreenRow(c, False).stored() for c in spec["clip_ids"]])
        while finder_runs.load_run(ctx.ws, role, child.run_id).stage == "probe":
            stages.do_probe(ctx.ws, QuietRunner(), role, child.run_id)
            land(ctx, role, analysed=True)
        stages.do_rank(ctx.ws, role, child.run_id)
    emotion_runs.advance_parent(ctx.ws, role, run_id)

    answer = polled(ctx, tab, role, run_id)
    overview = answer[tab.emotions]
    assert "开心" in overview and "难过" in overview
    assert "生气 · 只有 1 条音频，没有参加（每种情绪至少 3 条）" in overview
    assert not any(answer[slot.box]["visible"] for slot in tab.slots)  # each emotion's run plays its own
    standings = [row[2] for row in answer[tab.ranking] if "候选名单第" in row[2]]
    assert {s.split(" · ")[0] for s in standings} == {"开心", "难过"}  # each standing names its emotion
    labels = [label for label, _ in answer[tab.run]["choices"]]
    assert "每种情绪各一份名单（2 种）" in labels[0] and all("└" in label for label in labels[1:3])
    with pytest.raises(gr.Error, match="请在记录列表里选一种情绪的记录"):
        events.compare_blind(ctx, None, role=role, run=run_id)


def test_words_typed_into_the_run_picker_show_nothing_instead_of_failing_every_poll(page):
    ctx, tab, role = page
    screened_run(ctx, role)
    answer = events.poll(ctx, tab, role=role, run="最新的", shown="something shown")
    assert answer[tab.ranking] == [] and answer[tab.progress] == ""


def test_a_shortlisted_take_opens_the_long_text_tab_as_its_only_configuration(tmp_path):
    ctx = webui_ras.make_context(Settings(roles_dir=tmp_path / "roles"))
    picker = long_text_picker()
    answer = events.to_long_text(ctx, picker, result_id=42)
    assert answer[picker.results]["choices"] == [("#42", 42)] and answer[picker.results]["value"] == [42]
    assert answer[picker.tabs].selected == "long_text"
    with pytest.raises(gr.Error, match="请先选择一条结果"):
        through_page(ctx, events.to_long_text, picker, result_id=None)
