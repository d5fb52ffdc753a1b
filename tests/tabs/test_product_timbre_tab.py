"""The products tab's timbre-set row, its handlers called as plain functions: the suggested set, setting
it, starting the check on the queue and reading its answer in words, and the v3/v4 sentence instead."""
import dataclasses
import json
import re

import gradio as gr
import pytest
from sqlalchemy import update
from sqlmodel import select

from i18n import I18nAuto
from ras.products import emotions as product_emotions
from ras.products import rows as products
from ras.products.timbre import TimbreCheck, TimbreCondition
from ras.store.role_tables import FinderRun, Job, Product
from tabs import product_timbre
from tabs import products as products_tab
from tabs.common import bind
from tests.fixtures.app import write_tone
from tests.fixtures.products import make_result, role_with_clips
from tests.fixtures.ui import build_tab


class RecordingRunner:
    def __init__(self):
        self.started = []

    def run_task(self, role, task_id):
        self.started.append((role, task_id))


class ConfiguredBackend:
    """A GPT-SoVITS whose weights are the files named (what the check's task records)."""

    def weight_choosers(self):
        return {"resolve_weight": lambda kind, value: value, "default_weight": None}

    def code_version(self):
        return "test"


@pytest.fixture
def timbre_ctx(ui_ctx, tmp_path):
    role = role_with_clips(ui_ctx.ws, tmp_path, "成品", "甲")
    product_id = products.create_product(ws=ui_ctx.ws, role=role, result_id=make_result(ui_ctx.ws, role, tmp_path),
                                         name="voice")
    ctx = dataclasses.replace(ui_ctx, runner=RecordingRunner(), backend=ConfiguredBackend())
    return ctx, build_tab(products_tab, ctx).timbre, role, f"{role}|{product_id}", product_id


def test_the_row_suggests_the_calm_shortlist_then_shows_the_products_own_set(timbre_ctx):
    ctx, row, role, key, product_id = timbre_ctx
    assert product_timbre.on_product(ctx, row, key=key)[row.clip_ids] == "2"  # the result's aux clip
    product_timbre.set_timbre(ctx, row, key=key, clip_ids="")  # cleared
    assert product_timbre.on_product(ctx, row, key=key)[row.clip_ids] == ""
    with ctx.ws.role_session(role) as session:  # a per-emotion finder run whose calm voice kept clips 2 and 1
        session.add(FinderRun(name="calm", stage="done", spec_json=json.dumps({"emotion": "neutral", "parent": 1}),
                              shortlist_json="[2, 1]"))
        session.commit()
    shown = product_timbre.on_product(ctx, row, key=key)
    assert shown[row.clip_ids] == "2, 1" and shown[row.result] == ""
    answer = product_timbre.set_timbre(ctx, row, key=key, clip_ids="2，1")
    assert answer[row.clip_ids] == "2, 1"
    assert products.get_product(ws=ctx.ws, role=role, product_id=product_id).aux_clip_ids == (2, 1)
    with pytest.raises(gr.Error, match="音频编号须为整数"):
        bind(ctx, product_timbre.set_timbre, row, ["key", "clip_ids"])(key, "2, two")


def test_the_check_runs_on_the_queue_and_answers_in_words(timbre_ctx):
    ctx, row, role, key, product_id = timbre_ctx
    start = bind(ctx, product_timbre.start_check, row, ["key"])
    with pytest.raises(gr.Error, match="测量音色一致性失败.*one reference only"):
        start(key)
    product_emotions.set_product_emotion(ws=ctx.ws, role=role, product_id=product_id, emotion="开心", clip_id=2)
    started = product_timbre.start_check(ctx, row, key=key)
    (role_started, task_id), = ctx.runner.started
    assert started[row.task] == (role, task_id) and started[row.timer]["active"]
    waiting = product_timbre.poll_check(ctx, row, task=started[row.task])
    assert "测量中：0/8 条已合成" in waiting[row.result] and waiting[row.timer]["active"]

    with ctx.ws.role_session(role) as session:  # the queue synthesized every take
        for job in session.exec(select(Job).where(Job.task_id == task_id)).all():
            job.result_path = f"results/{task_id}/{job.id}.wav"
            write_tone(ctx.ws.role_dir(role) / job.result_path, 1.5, seed=job.clip_id)
            job.status = "done"
            session.add(job)
        session.commit()
    done = product_timbre.poll_check(ctx, row, task=started[row.task])
    assert re.fullmatch(r"不同情绪之间的音色相似度：不用音色参考 \d\.\d\d，用音色参考 \d\.\d\d（越高越像同一个人）",
                        done[row.result]), done[row.result]
    assert not done[row.timer]["active"]  # every take measured: the page stops asking


def test_v3_weights_get_the_sentence_instead_of_a_check(timbre_ctx):
    ctx, row, role, key, product_id = timbre_ctx
    with ctx.ws.role_session(role) as session:  # as a product made from a v3 model's result records it
        session.execute(update(Product).where(Product.id == product_id).values(version="v3"))
        session.commit()
    shown = product_timbre.on_product(ctx, row, key=key)
    assert "v3/v4" in shown[row.result] and "辅助参考不起作用" in shown[row.result]
    with pytest.raises(gr.Error, match="extra references do nothing on v3/v4"):
        bind(ctx, product_timbre.start_check, row, ["key"])(key)
    assert ctx.runner.started == []


def test_the_answer_reads_in_english_on_an_english_page():
    check = TimbreCheck(task_id=1, references=3, encoder="resemblyzer", finished=True,
                        without=TimbreCondition(0.7612, 12, 6, 0, 0),
                        with_timbre_set=TimbreCondition(0.9104, 12, 6, 0, 0))
    assert product_timbre.check_line(I18nAuto("en_US"), check) == (
        "Speaker similarity between emotions: without timbre set 0.76, with timbre set 0.91 "
        "(higher sounds more like one person)")
