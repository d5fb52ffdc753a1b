"""The find-checkpoint tab's handlers: models listed, a search started, its ranking and epoch charts shown, the
recommended pair kept as a product or its finalists compared blind."""
from __future__ import annotations

import gradio as gr
import pytest

import webui_ras
from ras.ab import sessions
from ras.finder import config_stages
from ras.finder import run as finder_runs
from ras.library import importer, roles
from ras.products import rows as products
from ras.settings import Settings
from tabs import checkpoint
from tabs import products as products_tab
from tests.fixtures.app import write_tone
from tests.fixtures.checkpoint_run import play_rounds
from tests.fixtures.planted_checkpoints import DEFAULT_GPT, DEFAULT_SOVITS, write_checkpoints
from tests.fixtures.ui import ab_pickers, build_tab, product_form, through_page


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


def test_a_search_shows_its_recommendation_ranking_and_failure_by_epoch(page):
    ctx, tab, role = page
    listed = checkpoint.refresh(ctx, tab, role=role, run=None)
    assert [name for name, _ in listed[tab.gpt]["choices"]] == [f"GPT_weights_v2/voice-e{e}.ckpt" for e in (5, 15, 50)]
    assert len(listed[tab.sovits]["choices"]) == 2 and listed[tab.run]["choices"] == []
    started = checkpoint.start(ctx, tab, role=role, gpt=[], sovits=[], clip_ids="1", budget=0)
    run_id = started[tab.run]["value"]
    assert started[tab.run]["choices"][0][1] == run_id
    play_rounds(ctx.ws, role, run_id, failing_gpt="voice-e50.ckpt")
    shown = checkpoint.show(ctx, tab, role=role, run=run_id)
    assert "推荐" in shown[tab.summary] and "模型加载次数" in shown[tab.summary]
    first = shown[tab.ranking][0]
    assert "e50" not in first[1] and first[2] == 100.0
    e50 = next(row for row in shown[tab.ranking] if "GPT e50" in row[1])
    assert e50[6] == "100%"  # the repeat column
    gpt_chart = shown[tab.gpt_chart]
    assert list(gpt_chart["epoch"]) == [5, 15, 50] and gpt_chart["fail_rate"].iloc[-1] == 100.0
    assert list(shown[tab.sovits_chart]["epoch"]) == [8, 16]


def test_a_poll_for_a_run_of_the_role_left_behind_shows_nothing_instead_of_an_error(page):
    ctx, tab, role = page
    shown = checkpoint.show(ctx, tab, role=role, run=9999)  # no such run in this role
    assert shown[tab.summary] == "" and shown[tab.ranking] == []


def finished_search(ctx, tab, role) -> tuple[int, config_stages.ConfigStatus]:
    run_id = checkpoint.start(ctx, tab, role=role, gpt=[], sovits=[], clip_ids="1", budget=0)[tab.run]["value"]
    play_rounds(ctx.ws, role, run_id, failing_gpt="voice-e50.ckpt")
    return run_id, config_stages.status(ws=ctx.ws, runner=None, role=role, run_id=run_id)


def test_the_recommended_pair_fills_the_products_form_and_becomes_a_product(page):
    ctx, tab, role = page
    run_id, status = finished_search(ctx, tab, role)
    best = status.recommended
    first_poll = checkpoint.show(ctx, tab, role=role, run=run_id, offered="")
    offered = first_poll[tab.candidate]
    assert offered["value"] == best.index and offered["choices"][0] == (f"1. {best.candidate.label}", best.index)
    form = product_form()
    answer = checkpoint.keep_as_product(ctx, form, role=role, run=run_id, candidate=offered["value"])
    epochs = best.epochs
    assert answer[form.name] == f"{role} e{epochs['gpt']}×e{epochs['sovits']}"
    assert answer[form.note] == f"找模型 #{run_id}: {best.candidate.label}"
    assert answer[form.tabs].selected == "products"
    products_tab.create(ctx, build_tab(products_tab, ctx), role=role, result_id=answer[form.result_id],
                        name=answer[form.name], note=answer[form.note])
    kept = products.list_products(ws=ctx.ws, role=role)[0]
    assert (kept.gpt_weights, kept.sovits_weights) == (best.candidate.params["gpt"], best.candidate.params["sovits"])
    assert kept.source_clip_id == 1 and kept.name == answer[form.name]

    # later polls leave the picker alone (a person's pick stays); keeping another offers its take and a free name
    assert tab.candidate not in checkpoint.show(ctx, tab, role=role, run=run_id, offered=first_poll[tab.offered])
    other = offered["choices"][1][1]
    again = checkpoint.keep_as_product(ctx, form, role=role, run=run_id, candidate=other)
    assert again[form.result_id] != answer[form.result_id]
    assert again[form.name] != answer[form.name]


def test_compare_blind_opens_the_finalists_in_the_ab_tab(page):
    ctx, tab, role = page
    run_id, status = finished_search(ctx, tab, role)
    pickers = ab_pickers()
    answer = checkpoint.compare_blind(ctx, pickers, role=role, run=run_id)
    assert answer[pickers.tabs].selected == "ab"
    session_id, task_id = answer[pickers.session]["value"], answer[pickers.task]["value"]
    assert task_id in [value for _, value in answer[pickers.task]["choices"]]
    ranked = sessions.ranking(ws=ctx.ws, role=role, session_id=session_id).ranking
    assert sorted(c.label for c in ranked) == sorted(status.shortlist) and len(ranked) >= 2


def test_the_shortcuts_say_what_to_do_before_a_search_is_done(page):
    ctx, tab, role = page
    with pytest.raises(gr.Error, match="请先选择找模型记录"):
        through_page(ctx, checkpoint.compare_blind, ab_pickers(), role=role, run=None)
    run_id = checkpoint.start(ctx, tab, role=role, gpt=[], sovits=[], clip_ids="1", budget=0)[tab.run]["value"]
    form = product_form()
    with pytest.raises(gr.Error, match="still in stage 'probe'"):
        through_page(ctx, checkpoint.keep_as_product, form, role=role, run=run_id, candidate=None)
    with pytest.raises(gr.Error, match="is not in the list"):
        through_page(ctx, checkpoint.keep_as_product, form, role=role, run=run_id, candidate="e15")


def test_a_settings_search_starts_from_the_page_with_the_weights_fixed(page):
    ctx, tab, role = page
    with pytest.raises(gr.Error, match="top_k=5,15,30"):
        checkpoint.start(ctx, tab, role=role, gpt=[], sovits=[], clip_ids="1", budget=0, mode="settings",
                         vary="top_k 5 15")
    with pytest.raises(gr.Error, match="各选一个"):
        checkpoint.start(ctx, tab, role=role, gpt=["GPT_weights_v2/voice-e5.ckpt", "GPT_weights_v2/voice-e15.ckpt"],
                         sovits=[], clip_ids="1", budget=0, mode="settings", vary="top_k=5,15")
    started = checkpoint.start(ctx, tab, role=role, gpt=["GPT_weights_v2/voice-e15.ckpt"], sovits=[], clip_ids="1",
                               budget=0, mode="settings", vary="top_k=5,15；temperature=0.8，1.0")
    run_id = started[tab.run]["value"]
    label = next(label for label, value in started[tab.run]["choices"] if value == run_id)
    assert label.endswith("采样参数（模型固定）")
    status = config_stages.status(ws=ctx.ws, runner=None, role=role, run_id=run_id)
    assert status.mode == "settings" and status.stage == "probe"
    spec = finder_runs.load_run(ctx.ws, role, run_id).spec
    assert spec["weights"]["gpt"].endswith("voice-e15.ckpt")
    assert sorted(tuple(sorted(c["params"].items())) for c in spec["candidates"]) == sorted(
        tuple(sorted({"top_k": k, "temperature": t}.items())) for k in (5, 15) for t in (0.8, 1.0))
