"""The stable gradio_client API for long-text runs and products (README, "API").

/tts returns a gradio FileData: gradio_client downloads it and a script receives the
local path of the wav. Every other endpoint returns a JSON dict without a "path" key.
"""
from __future__ import annotations

import gradio as gr
from gradio.data_classes import FileData

from ras.long_text import export as long_text_export
from ras.long_text import runs as long_text
from ras.long_text.status import run_status as read_run_status
from ras.products import emotions as product_emotions
from ras.products import export as product_export
from ras.products import rows as products
from ras.products import speech as product_speech
from ras.products import timbre
from tabs.api_json import to_json
from tabs.common import UIContext, ui_action


def register(ctx: UIContext) -> None:
    ws, i18n, runner = ctx.ws, ctx.i18n, ctx.runner

    @ui_action(i18n, "启动长文本失败")
    def long_text_start(role: str, result_ids: list[int], text: str, options: dict | None = None) -> dict:
        options = dict(options or {})
        ids = [int(i) for i in result_ids or []]
        product_id, pieces = options.get("product_id"), None
        if product_id is not None:
            product_id = options["product_id"] = int(product_id)
            pieces = product_emotions.product_pieces(ws=ws, role=role, product_id=product_id, text=text)
            if not ids:  # the product alone: the configuration it was made from
                ids = [products.source_result(ws=ws, role=role, product_id=product_id)]
        started = long_text.start_long_text(ws=ws, role=role, result_ids=ids, text=text, options=options,
                                            pieces=pieces)
        runner.run_task(role, started.task_id)
        return to_json(started)

    @ui_action(i18n, "读取进度失败")
    def long_text_status(role: str, run_id: int) -> dict:
        return to_json(read_run_status(ws=ws, role=role, run_id=int(run_id)))

    @ui_action(i18n, "重新生成失败")
    def regenerate_sentence(role: str, run_id: int, index: int, part_id: int | None = None) -> dict:
        return {"sentence": to_json(long_text.regenerate_sentence(
            ws=ws, runner=runner, role=role, run_id=int(run_id), index=int(index),
            part_id=None if part_id is None else int(part_id)))}

    @ui_action(i18n, "改情感失败")
    def set_sentence_emotion(role: str, run_id: int, index: int, product_id: int, emotion: str,
                             part_id: int | None = None) -> dict:
        reference = product_emotions.product_reference(ws=ws, role=role, product_id=int(product_id), emotion=emotion)
        return {"sentence": to_json(long_text.set_sentence_emotion(
            ws=ws, runner=runner, role=role, run_id=int(run_id), index=int(index), reference=reference,
            part_id=None if part_id is None else int(part_id)))}

    @ui_action(i18n, "选择失败")
    def choose_take(role: str, run_id: int, part_id: int, index: int, result_id: int) -> dict:
        return {"sentence": to_json(long_text.choose_take(ws=ws, role=role, run_id=int(run_id), part_id=int(part_id),
                                                          index=int(index), result_id=int(result_id)))}

    @ui_action(i18n, "评分失败")
    def score_long_text(role: str, part_id: int, score: float, note: str = "") -> dict:
        return to_json(long_text.score_part(ws=ws, role=role, part_id=int(part_id), score=score, note=note))

    @ui_action(i18n, "导出失败")
    def export_long_text(role: str, part_id: int) -> dict:
        return {"zip": str(long_text_export.export_part(ws=ws, role=role, part_id=int(part_id)))}

    @ui_action(i18n, "创建成品失败")
    def create_product(role: str, result_id: int, name: str, note: str = "") -> dict:
        return {"product_id": products.create_product(ws=ws, role=role, result_id=int(result_id), name=name,
                                                      note=note)}

    @ui_action(i18n, "读取成品失败")
    def list_products(role: str = "") -> dict:
        return {"products": to_json(products.list_products(ws=ws, role=role or ""))}

    @ui_action(i18n, "导出失败")
    def export_product(role: str, product_id: int) -> dict:
        return {"zip": str(product_export.export_product(ws=ws, role=role, product_id=int(product_id)))}

    @ui_action(i18n, "保存失败")
    def set_product_autopilot(role: str, product_id: int, max_tries: int, options: dict | None = None) -> dict:
        return {"product": to_json(products.set_autopilot(ws=ws, role=role, product_id=int(product_id),
                                                          max_tries=max_tries, options=options or {}))}

    @ui_action(i18n, "设置情感失败")
    def set_product_emotion(role: str, product_id: int, emotion: str, clip_id: int, prompt_text: str = "",
                            prompt_lang: str = "") -> dict:
        return {"product": to_json(product_emotions.set_product_emotion(
            ws=ws, role=role, product_id=int(product_id), emotion=emotion, clip_id=int(clip_id),
            prompt_text=prompt_text or "", prompt_lang=prompt_lang or ""))}

    @ui_action(i18n, "设置情感失败")
    def remove_product_emotion(role: str, product_id: int, emotion: str) -> dict:
        return {"product": to_json(product_emotions.remove_product_emotion(
            ws=ws, role=role, product_id=int(product_id), emotion=emotion))}

    @ui_action(i18n, "设置音色参考失败")
    def set_timbre_set(role: str, product_id: int, clip_ids: list[int]) -> dict:
        return {"product": to_json(timbre.set_timbre_set(ws=ws, role=role, product_id=int(product_id),
                                                         clip_ids=[int(i) for i in clip_ids or []]))}

    @ui_action(i18n, "测量音色一致性失败")
    def timbre_check(role: str, product_id: int) -> dict:
        task_id = timbre.start_timbre_check(ws=ws, role=role, product_id=int(product_id),
                                            max_jobs=ctx.settings.max_jobs_per_task,
                                            code_version=ctx.backend.code_version(), **ctx.backend.weight_choosers())
        runner.run_task(role, task_id)
        return {"task_id": task_id}

    @ui_action(i18n, "测量音色一致性失败")
    def timbre_check_status(role: str, task_id: int) -> dict:
        return to_json(timbre.timbre_check_result(ws=ws, role=role, task_id=int(task_id),
                                                  encoder=ctx.analyzer.speaker_encoder()))

    @ui_action(i18n, "合成失败")
    def tts(product: str, text: str, text_lang: str, max_tries: int = 1, emotion: str = "") -> FileData:
        wav = product_speech.tts(ws=ws, runner=runner, product=product, text=text, text_lang=text_lang,
                                 max_tries=max_tries, measure=ctx.analyzer.analyze_file, emotion=emotion or None)
        return FileData(path=str(wav), orig_name=wav.name, mime_type="audio/wav")

    gr.api(long_text_start, api_name="long_text")
    for fn in (long_text_status, regenerate_sentence, set_sentence_emotion, choose_take, set_product_autopilot,
               score_long_text, export_long_text, create_product, list_products, export_product, set_product_emotion,
               remove_product_emotion, set_timbre_set, timbre_check, timbre_check_status, tts):
        gr.api(fn, api_name=fn.__name__)
