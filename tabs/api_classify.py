"""The gradio_client API for classifying clips into groups and splitting clips at pauses.

/classify and /split_clip are the stable API (README, "API"); the rest are extras the UI
also offers. No returned dict has a "path" key (gradio_client would take it for a file).
"""
from __future__ import annotations

import gradio as gr

from ras.analysis import embeddings
from ras.classify import groups as classify_service
from ras.library import emotion_tags
from ras.metrics.asr import AsrConfig
from ras.split import pieces as split_service
from tabs.api_json import to_json
from tabs.common import UIContext, ui_action


def register(ctx: UIContext) -> None:
    ws, i18n, settings = ctx.ws, ctx.i18n, ctx.settings

    @ui_action(i18n, "聚类失败")
    def classify(role: str, n_groups: int | None = None, threshold: float | None = None) -> dict:
        return to_json(classify_service.classify(
            ws=ws, role=role, n_groups=int(n_groups) if n_groups is not None else None,
            threshold=float(threshold) if threshold is not None else None,
            encoder=embeddings.default_encoder(settings)))

    @ui_action(i18n, "读取分组失败")
    def list_groups(role: str) -> dict:
        return {"groups": to_json(classify_service.list_groups(ws=ws, role=role))}

    @ui_action(i18n, "相似度排序失败")
    def similar_clips(role: str, clip_id: int, limit: int = 20) -> dict:
        return {"clips": to_json(classify_service.similar_clips(ws=ws, role=role, clip_id=int(clip_id),
                                                                limit=int(limit)))}

    @ui_action(i18n, "读取分组失败")
    def group_map(role: str) -> dict:
        return {"points": to_json(classify_service.map_points(ws=ws, role=role))}

    @ui_action(i18n, "移动失败")
    def move_clips(role: str, clip_ids: list[int], group_id: int | None = None) -> dict:
        moved = classify_service.move_clips(ws=ws, role=role, clip_ids=[int(c) for c in clip_ids],
                                            group_id=int(group_id) if group_id is not None else None)
        return {"moved": moved}

    @ui_action(i18n, "重命名失败")
    def rename_group(role: str, group_id: int, name: str) -> dict:
        return to_json(classify_service.rename_group(ws=ws, role=role, group_id=int(group_id), name=name))

    @ui_action(i18n, "设置情感失败")
    def tag_group_emotion(role: str, group_id: int) -> dict:
        return to_json(emotion_tags.tag_group(ws=ws, role=role, group_id=int(group_id)))

    @ui_action(i18n, "切分失败")
    def split_clip(role: str, clip_id: int, min_silence_ms: int = 300, transcribe: bool = False) -> dict:
        return to_json(split_service.split_clip(ws=ws, role=role, clip_id=int(clip_id),
                                                min_silence_ms=int(min_silence_ms), transcribe=bool(transcribe),
                                                asr_model=AsrConfig.from_settings(settings)))

    @ui_action(i18n, "检测切分点失败")
    def propose_split(role: str, clip_id: int, min_silence_ms: int = 300) -> dict:
        return {"pieces": to_json(split_service.propose(ws=ws, role=role, clip_id=int(clip_id),
                                                        min_silence_ms=int(min_silence_ms)))}

    for fn in (classify, list_groups, similar_clips, group_map, move_clips, rename_group, tag_group_emotion, split_clip,
               propose_split):
        gr.api(fn, api_name=fn.__name__)
