"""The stable gradio_client API (README, "API") for roles, clips and test texts.

Each endpoint is an adapter: parse, call one service, return a JSON dict. No
returned dict has a "path" key (gradio_client would take it for a file).
"""
from __future__ import annotations

from typing import Any

import gradio as gr

from ras.library import backup, clips, emotion_tags, importer, roles, texts
from tabs.api_json import to_json
from tabs.common import UIContext, readable_roots, request_file, ui_action


def register(ctx: UIContext) -> None:
    ws, i18n = ctx.ws, ctx.i18n

    @ui_action(i18n, "新建角色失败")
    def create_role(category: str, name: str) -> dict:
        return {"role": roles.create_role(ws=ws, category=category, name=name)}

    @ui_action(i18n, "读取角色失败")
    def list_roles() -> dict:
        return {"roles": to_json(roles.list_roles(ws=ws))}

    @ui_action(i18n, "删除失败")
    def delete_role(role: str) -> dict:
        return {"deleted": roles.delete_role(ws=ws, role=role)}

    @ui_action(i18n, "导入失败")
    def import_list(role: str, list_file: Any, copy_audio: bool = True) -> dict:
        gsv_root = ctx.settings.gsv_root
        list_path = request_file(ctx, list_file, ".list file", gsv_root)
        report = importer.import_list(ws=ws, role=role, list_path=list_path, copy_audio=bool(copy_audio),
                                      gsv_root=gsv_root, audio_roots=readable_roots(ctx, gsv_root))
        return to_json(report)

    @ui_action(i18n, "导出角色失败")
    def export_role(role: str) -> dict:
        return {"zip": str(backup.export_role(ws=ws, role=role))}

    @ui_action(i18n, "导入角色失败")
    def import_role(archive: Any, name: str = "") -> dict:
        return {"role": backup.import_role(ws=ws, archive=request_file(ctx, archive, "role archive"), name=name)}

    @ui_action(i18n, "查询音频失败")
    def list_clips(role: str) -> dict:
        return {"clips": to_json(clips.list_clips(ws=ws, role=role).clips)}

    @ui_action(i18n, "保存失败")
    def update_clip(role: str, clip_id: int, text: str | None = None, lang: str | None = None,
                    valid: bool | None = None, emotion: str | None = None) -> dict:
        """emotion: a person's tag ("" clears it), as /set_clip_emotion sets it for one clip."""
        changed = None
        if text is not None or lang is not None or valid is not None or emotion is None:
            changed = clips.update_clip(ws=ws, role=role, clip_id=int(clip_id), text=text, lang=lang, valid=valid)
        if emotion is not None:
            changed = emotion_tags.set_clip_emotion(ws=ws, role=role, clip_ids=[int(clip_id)], emotion=emotion)[0]
        return {"clip": to_json(changed)}

    @ui_action(i18n, "设置情感失败")
    def set_clip_emotion(role: str, clip_ids: list[int], emotion: str = "") -> dict:
        return {"clips": to_json(emotion_tags.set_clip_emotion(ws=ws, role=role, clip_ids=[int(c) for c in clip_ids],
                                                               emotion=emotion or ""))}

    @ui_action(i18n, "查询音频失败")
    def list_emotions(role: str) -> dict:
        return {"emotions": to_json(emotion_tags.emotion_counts(ws=ws, role=role))}

    @ui_action(i18n, "情感标注失败")
    def tag_emotions(role: str) -> dict:
        return to_json(ctx.emotion_tagger.start(role))

    @ui_action(i18n, "情感标注失败")
    def emotion_tagging(role: str) -> dict:
        return to_json(ctx.emotion_tagger.status(role))

    @ui_action(i18n, "新增文本失败")
    def add_text(content: str, lang: str, category: str = "") -> dict:
        return {"id": texts.add_text(ws=ws, content=content, lang=lang, category=category)}

    @ui_action(i18n, "读取文本失败")
    def list_texts() -> dict:
        return {"texts": to_json(texts.list_texts(ws=ws))}

    for fn in (create_role, list_roles, delete_role, import_list, export_role, import_role, list_clips, update_clip,
               set_clip_emotion, list_emotions, tag_emotions, emotion_tagging, add_text, list_texts):
        gr.api(fn, api_name=fn.__name__)
