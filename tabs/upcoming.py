"""Tabs whose features land in later releases: each says what it will do."""
from __future__ import annotations

import gradio as gr

from tabs.common import UIContext

PLANNED = {
    "classify": ("分类", "按说话人/风格向量为大量音频分组，审阅并在分组间移动音频，用分组创建任务。"),
    "task": ("任务", "对参考音频、GPT/SoVITS 模型、top_k、top_p、温度、切分方式、语速、融合音频等变量建立对比任务。"),
    "infer": ("推理", "用 GPT-SoVITS 运行任务队列：进度条、取消、崩溃后继续、卡死自动重启。"),
    "evaluate": ("评估", "按时长与自动指标排序结果，附频谱图与播放器，打分并按变量比较。"),
    "long_text": ("长文本", "用评分最高的配置合成长文本，逐句重新生成。"),
    "split": ("切分", "在停顿处把长音频切成 3–10 秒的可用参考音频。"),
    "products": ("成品", "保存最佳配置为成品，导出给 GPT-SoVITS 直接使用，并按成品名合成。"),
}


def build(ctx: UIContext, key: str) -> gr.Markdown:
    _, description = PLANNED[key]
    return gr.Markdown(f"⏳ {ctx.i18n('即将推出')}: {ctx.i18n(description)}", elem_id=f"{key}_planned")
