"""The long-text tab with a product's emotions: the picker lists the role's products with their emotions, a
tagged text started with one shows each sentence's emotion in the page's language, and a tag the product
lacks or tags without a product are said on the page before anything is queued."""
import dataclasses

import gradio as gr
import pytest

from i18n import I18nAuto
from ras.products import emotions as product_emotions
from ras.products import rows as products
from tabs import long_text as long_text_tab
from tests.fixtures.long_text import RecordingRunner
from tests.fixtures.products import make_result, role_with_clips
from tests.fixtures.ui import build_tab, through_page

TAGGED = "Good morning to you all. [开心]We won the match today! (sad)But the bus left early."
AUTOPILOT = {"lang": "", "autopilot": False, "max_tries": 1, "min_auto_score": 60, "rate_tolerance": 0.25,
             "max_cer": 0.25}


@pytest.fixture
def product_ctx(ui_ctx, tmp_path):
    role = role_with_clips(ui_ctx.ws, tmp_path, "长文", "情感")
    result_id = make_result(ui_ctx.ws, role, tmp_path)
    product_id = products.create_product(ws=ui_ctx.ws, role=role, result_id=result_id, name="voice")
    for emotion, clip_id in (("开心", 2), ("sad", 1)):
        product_emotions.set_product_emotion(ws=ui_ctx.ws, role=role, product_id=product_id, emotion=emotion,
                                             clip_id=clip_id)
    ctx = dataclasses.replace(ui_ctx, runner=RecordingRunner())
    return ctx, build_tab(long_text_tab, ctx), role, result_id, product_id


def start(ctx, tab, role, result_ids, text, product):
    return through_page(ctx, long_text_tab.start, tab, role=role, task=None, top_n=3, result_ids=result_ids,
                        text=text, **AUTOPILOT, product=product)


def sentence_emotions(ctx, tab, role, run_id) -> list[str]:
    answer = long_text_tab.poll(ctx, tab, role=role, run=run_id, run_role=role, shown="", listen_only=False)
    return [row[2] for row in answer[tab.slots[0].sentences]]


@pytest.mark.parametrize("lang, words", [("zh_CN", ["平静", "开心", "难过"]), ("en_US", ["Neutral", "Happy", "Sad"])])
def test_a_tagged_text_read_with_a_product_shows_each_sentences_emotion(product_ctx, lang, words):
    ctx, tab, role, result_id, product_id = product_ctx
    ctx = dataclasses.replace(ctx, i18n=I18nAuto(lang))
    picker = long_text_tab.refresh(ctx, tab, role=role, task=None, run=None, run_role=None)[tab.product]
    assert picker["choices"][1] == (f"voice · {' / '.join(words)}", str(product_id))
    assert picker.get("value", "") == ""  # no product unless one is chosen (nothing shown: nothing sent)
    run_id = start(ctx, tab, role, [], TAGGED, str(product_id))[tab.run]["value"]  # the product's own result
    assert ctx.runner.started
    assert sentence_emotions(ctx, tab, role, run_id) == words


def test_a_missing_emotion_or_tags_without_a_product_are_said_before_anything_is_queued(product_ctx):
    ctx, tab, role, result_id, product_id = product_ctx
    with pytest.raises(gr.Error, match="no emotion '生气'.*neutral, happy, sad"):
        start(ctx, tab, role, [result_id], "Fine then. [生气]How dare you say so.", str(product_id))
    with pytest.raises(gr.Error, match="choose a product"):
        start(ctx, tab, role, [result_id], TAGGED, "")
    assert not ctx.runner.started
