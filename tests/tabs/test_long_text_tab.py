"""The long-text tab's handlers, called as plain functions on a real role DB (takes land as the queue and
the analysis step leave them): start a run, watch it fill in, play and choose tries, re-generate, score."""
import dataclasses

import gradio as gr
import pandas as pd
import pytest

from i18n import I18nAuto
from ras.library import clips
from ras.long_text import runs as long_text
from ras.long_text import status as run_views
from ras.products import emotions as product_emotions
from ras.products import rows as products
from tabs import long_text as long_text_tab
from tabs import long_text_takes as takes_tab
from tabs.common import bind
from tabs.widgets import RelistedRadio
from tests.fixtures.long_text import RecordingRunner, land, queued
from tests.fixtures.products import make_result, role_with_clips
from tests.fixtures.ui import build_tab, through_page
from tests.tabs.long_text_rows import part_of, sentence_of, status_of, try_of

TEXT = "The first sentence is here. The second one follows. And the third ends it."
SENTENCES = ["The first sentence is here.", "The second one follows.", "And the third ends it."]


@pytest.fixture
def run_ctx(ui_ctx, tmp_path):
    role = role_with_clips(ui_ctx.ws, tmp_path, "长文", "甲")
    result_id = make_result(ui_ctx.ws, role, tmp_path)
    ctx = dataclasses.replace(ui_ctx, runner=RecordingRunner())  # no engine: the test lands the takes
    return ctx, build_tab(long_text_tab, ctx), role, result_id


def start_run(ctx, tab, role, result_id, max_tries=3) -> int:
    answer = long_text_tab.start(ctx, tab, role=role, task=None, top_n=3, result_ids=[result_id], text=TEXT,
                                 lang="", autopilot=True, max_tries=max_tries, min_auto_score=60,
                                 rate_tolerance=0.25, max_cer=0.25)
    return answer[tab.run]["value"]


def poll(ctx, tab, role, run_id, shown="", listen_only=False) -> dict:
    return long_text_tab.poll(ctx, tab, role=role, run=run_id, run_role=role, shown=shown, listen_only=listen_only)


def land_all(ctx, role, run_id, scores=(90, 90, 90)):
    """Every queued take of the run lands measured, and the analysis listener reviews each."""
    task_id = run_views.run_status(ws=ctx.ws, role=role, run_id=run_id).task_id
    for job_id, score in zip(queued(ctx.ws, role, task_id), scores):
        land(ctx.ws, role, job_id, 1.5, score=score, flags=("repeat",) if score < 60 else ())
        long_text.after_analysis(ctx.ws, ctx.runner, role, job_id)


def run_with_a_rerolled_sentence(ctx, tab, role, result_id, index) -> tuple[int, int]:
    """A run whose sentence `index` repeated itself and was made again (better): (run id, the new try)."""
    run_id = start_run(ctx, tab, role, result_id)
    land_all(ctx, role, run_id, scores=tuple(40 if i == index else 90 for i in range(3)))
    (reroll,) = ctx.runner.added
    land(ctx.ws, role, reroll, 1.5, score=95)
    long_text.after_analysis(ctx.ws, ctx.runner, role, reroll)
    return run_id, reroll


def test_a_started_run_is_picked_and_its_sentences_show_queued_in_the_first_slot(run_ctx):
    ctx, tab, role, result_id = run_ctx
    run_id = start_run(ctx, tab, role, result_id)
    assert ctx.runner.started  # the run's task went to the queue
    answer = poll(ctx, tab, role, run_id)
    first, second = tab.slots[:2]
    assert answer[first.box]["visible"] and not answer[second.box]["visible"]
    rows = answer[first.sentences]
    assert [row[1] for row in rows] == SENTENCES and {row[9] for row in rows} == {"排队"}
    assert "0/3" in answer[tab.progress]


def test_landed_takes_fill_the_table_and_an_unchanged_run_is_not_sent_again(run_ctx):
    ctx, tab, role, result_id = run_ctx
    run_id = start_run(ctx, tab, role, result_id)
    land_all(ctx, role, run_id)
    answer = poll(ctx, tab, role, run_id)
    slot = tab.slots[0]
    assert {row[9] for row in answer[slot.sentences]} == {"完成"}
    assert answer[slot.audio]  # the joined audio of the three chosen takes
    assert "3 句中有 0 句需要你来听" in answer[tab.listen_count]
    again = poll(ctx, tab, role, run_id, shown=answer[tab.shown])
    assert slot.sentences not in again and slot.audio not in again  # a player keeps playing


def test_the_try_picker_lists_a_rerolled_sentence_and_a_person_keeps_another_try(run_ctx):
    ctx, tab, role, result_id = run_ctx
    run_id, reroll = run_with_a_rerolled_sentence(ctx, tab, role, result_id, 1)
    part_ids = poll(ctx, tab, role, run_id)[tab.part_ids]
    slot = tab.slots[0]
    shown = takes_tab.show_sentence(ctx, slot, role=role, run=run_id, part_ids=part_ids, sentence_index=1,
                                    picked=None)
    picker = shown[slot.take]
    assert len(picker["choices"]) == 2 and picker["value"] == reroll  # the autopilot's choice is selected
    first_try = picker["choices"][0][1]
    played = takes_tab.play(ctx, slot, role=role, run=run_id, part_ids=part_ids, sentence_index=1, picked=first_try)
    assert played[slot.take_audio].endswith(f"{first_try}.wav")
    takes_tab.choose(ctx, slot, role=role, run=run_id, part_ids=part_ids, sentence_index=1, picked=first_try)
    sentence = run_views.run_status(ws=ctx.ws, role=role, run_id=run_id).parts[0].sentences[1]
    assert sentence.chosen_result_id == first_try and sentence.chosen_by_person


def test_a_run_shown_anew_lists_the_first_sentences_tries_and_a_poll_after_it_leaves_a_played_try(run_ctx):
    ctx, tab, role, result_id = run_ctx
    run_id, reroll = run_with_a_rerolled_sentence(ctx, tab, role, result_id, 0)
    slot = tab.slots[0]
    shown = poll(ctx, tab, role, run_id)
    assert shown[slot.take]["value"] == reroll and len(shown[slot.take]["choices"]) == 2
    assert shown[slot.take]["label"] == "第 0 句的尝试" and shown[slot.index] == 0
    assert shown[slot.take_audio] is None  # a try of the run shown before is not left in the player
    assert shown[tab.slots[1].take]["choices"] == []  # a slot without a part lists nothing
    again = long_text_tab.poll(ctx, tab, role=role, run=run_id, run_role=role, shown=shown[tab.shown],
                               listen_only=False, part_ids=shown[tab.part_ids])
    assert slot.take not in again and slot.take_audio not in again and slot.index not in again
    gone = long_text_tab.poll(ctx, tab, role=role, run=None, run_role=role, shown=shown[tab.shown],
                              listen_only=False, part_ids=shown[tab.part_ids])
    assert gone[slot.take]["choices"] == [] and gone[slot.take]["value"] is None


def test_a_click_in_the_sentence_table_picks_that_sentence_even_when_rows_are_filtered(run_ctx):
    ctx, tab, _, _ = run_ctx
    table = pd.DataFrame([[2, "And the third ends it."]], columns=["index", "text"])
    picked = takes_tab.pick_sentence(ctx, tab.slots[0], table=table,
                                     evt=gr.SelectData(None, {"index": [0, 1], "value": ""}))
    assert picked[tab.slots[0].index] == 2


def test_regenerate_queues_the_sentence_again_and_score_keeps_the_persons_mark(run_ctx):
    ctx, tab, role, result_id = run_ctx
    run_id = start_run(ctx, tab, role, result_id)
    land_all(ctx, role, run_id)
    part_ids = poll(ctx, tab, role, run_id)[tab.part_ids]
    slot = tab.slots[0]
    long_text_tab.regenerate(ctx, slot, role=role, run=run_id, part_ids=part_ids, sentence_index=2)
    rows = poll(ctx, tab, role, run_id)[slot.sentences]
    assert [row[9] for row in rows] == ["完成", "完成", "排队"]
    long_text_tab.save_score(ctx, slot, role=role, part_ids=part_ids, score="4", note="clear")
    assert run_views.run_status(ws=ctx.ws, role=role, run_id=run_id).parts[0].score == 4


def test_exporting_before_the_audio_is_joined_says_what_to_wait_for(run_ctx):
    ctx, tab, role, result_id = run_ctx
    run_id = start_run(ctx, tab, role, result_id)
    part_ids = poll(ctx, tab, role, run_id)[tab.part_ids]
    export = bind(ctx, long_text_tab.export, tab.slots[0], ["role", "part_ids"])
    with pytest.raises(gr.Error, match="导出失败.*no joined audio yet.*wait"):
        export(role, part_ids)


def test_starting_without_a_text_names_what_is_missing(run_ctx):
    ctx, tab, role, result_id = run_ctx
    names = ["role", "task", "top_n", "result_ids", "text", "lang", "autopilot", "max_tries", "min_auto_score",
             "rate_tolerance", "max_cer"]
    start = bind(ctx, long_text_tab.start, tab, names)
    with pytest.raises(gr.Error, match="启动长文本失败.*long text is empty"):
        start(role, None, 3, [result_id], "  ", "", True, 3, 60, 0.25, 0.25)


def test_the_progress_says_when_a_rerolled_run_is_finished_and_what_it_still_waits_for(run_ctx):
    ctx, tab, role, result_id = run_ctx
    run_id = start_run(ctx, tab, role, result_id)
    task_id = run_views.run_status(ws=ctx.ws, role=role, run_id=run_id).task_id
    ids = queued(ctx.ws, role, task_id)
    for job_id, score in zip(ids, (90, 40, 90)):  # measured; the review after each analysis has not run yet
        land(ctx.ws, role, job_id, 1.5, score=score, flags=("repeat",) if score < 60 else ())
    assert "自动重试：1 句马上再试一次" in poll(ctx, tab, role, run_id)[tab.progress]
    for job_id in ids:
        long_text.after_analysis(ctx.ws, ctx.runner, role, job_id)
    assert "正在合成：1 个排队" in poll(ctx, tab, role, run_id)[tab.progress]
    (reroll,) = ctx.runner.added
    land(ctx.ws, role, reroll, 1.5, score=95)
    long_text.after_analysis(ctx.ws, ctx.runner, role, reroll)
    assert "✓ 已完成，不会再自动变化" in poll(ctx, tab, role, run_id)[tab.progress]


@pytest.mark.parametrize("waiting, words", [
    ({"awaiting_analysis": 2}, "Waiting for analysis: 2 still to measure"),
    ({"rerolls_due": 3}, "Autopilot: 3 sentence(s) about to be tried again"),
    ({"joins_due": 1}, "Joining the audio"),
    ({}, "Finished: nothing more will change by itself"),
])
def test_the_run_state_is_said_in_english_on_an_english_page(waiting, words):
    status = status_of(part_of(sentence_of(0, "Good morning.", (try_of(1, chosen=True),))),
                       settled=not waiting, **waiting)
    assert words in long_text_tab.run_words(I18nAuto("en_US"), status)


def test_after_a_role_switch_the_poll_and_run_picker_follow_the_new_role_without_an_error(run_ctx, tmp_path):
    ctx, tab, role, result_id = run_ctx
    run_id = start_run(ctx, tab, role, result_id)
    other = role_with_clips(ctx.ws, tmp_path, "男性", "ab")  # no long-text run
    # a tick that comes before the run picker was refreshed for the new role changes nothing
    stale = long_text_tab.poll(ctx, tab, role=other, run=run_id, run_role=role, shown="x", listen_only=False)
    assert stale == gr.skip()
    refreshed = long_text_tab.refresh(ctx, tab, role=other, task=None, run=run_id, run_role=role)
    assert refreshed[tab.run]["value"] is None and refreshed[tab.run_role] == other
    # a run id the new role does not have (deleted, or named by an old page) shows nothing, quietly
    quiet = long_text_tab.poll(ctx, tab, role=other, run=run_id, run_role=other, shown="x", listen_only=False)
    assert quiet[tab.progress] == "" and not quiet[tab.slots[0].box]["visible"]
    back = long_text_tab.refresh(ctx, tab, role=role, task=None, run=None, run_role=other)
    assert back[tab.run]["value"] == run_id  # the newest run of the role switched back to
    # the browser may still send the old run after the list was emptied: it reaches the poll, not an error
    assert tab.run.preprocess(run_id) == run_id


def test_a_sentence_takes_another_emotion_of_the_chosen_product(run_ctx, tmp_path):
    ctx, tab, role, result_id = run_ctx
    run_id = start_run(ctx, tab, role, result_id)
    land_all(ctx, role, run_id)
    part_ids = poll(ctx, tab, role, run_id)[tab.part_ids]
    slot = tab.slots[0]
    with pytest.raises(gr.Error, match="请先在上面选择成品"):
        long_text_tab.set_emotion(ctx, slot, role=role, run=run_id, part_ids=part_ids, sentence_index=1,
                                  product="", emotion="happy")
    product_id = products.create_product(ws=ctx.ws, role=role, result_id=result_id, name="声音")
    with pytest.raises(gr.Error, match="has no emotion 'happy'; it has: neutral"):
        through_page(ctx, long_text_tab.set_emotion, slot, role=role, run=run_id, part_ids=part_ids,
                     sentence_index=1, product=product_id, emotion="happy")
    clip_id = clips.list_clips(ws=ctx.ws, role=role).clips[0].id
    product_emotions.set_product_emotion(ws=ctx.ws, role=role, product_id=product_id, emotion="开心", clip_id=clip_id)
    long_text_tab.set_emotion(ctx, slot, role=role, run=run_id, part_ids=part_ids, sentence_index=1,
                              product=product_id, emotion="happy")
    rows = poll(ctx, tab, role, run_id)[slot.sentences]
    assert [(row[2], row[9]) for row in rows] == [("", "完成"), ("开心", "排队"), ("", "完成")]


def test_a_try_picked_in_another_run_is_dropped_when_the_tries_are_listed_anew(run_ctx):
    """After a role switch the picker still holds the other run's try: listing this run's tries clears it,
    else the next event would send it and Gradio would refuse it with an error toast."""
    ctx, tab, role, result_id = run_ctx
    run_id = start_run(ctx, tab, role, result_id)
    land_all(ctx, role, run_id)
    part_ids = poll(ctx, tab, role, run_id)[tab.part_ids]
    slot = tab.slots[0]
    listed = takes_tab.refresh_tries(ctx, slot, role=role, run=run_id, part_ids=part_ids, sentence_index=0,
                                     listed=None, picked=9999)[slot.take]
    assert listed["value"] is None and 9999 not in [value for _, value in listed["choices"]]
    own = listed["choices"][0][1]
    kept = takes_tab.refresh_tries(ctx, slot, role=role, run=run_id, part_ids=part_ids, sentence_index=0,
                                   listed=None, picked=own)[slot.take]
    assert "value" not in kept  # a pick of this run's stays as the person left it


def test_a_try_of_the_sentence_listed_before_reads_as_no_pick():
    """The page can send the picker's old value with an event that starts as another sentence's tries are
    listed: Gradio's radio failed that event with an error toast; the try picker reads it as no pick."""
    picker = RelistedRadio(choices=[("第 1 次", 3), ("第 2 次", 7)])
    assert picker.preprocess(2) is None and picker.preprocess(7) == 7
    assert picker.get_block_name() == "radio"  # drawn by Gradio's own radio
