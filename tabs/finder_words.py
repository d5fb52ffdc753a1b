"""The finder's findings in the page's language: reasons in words with their numbers on hover, the
standing of every ranked reference, and a progress line that says what the run is waiting for.

The services give reason codes with the numbers behind them (ras.finder.reasons); the words are made
here. A code without words yet (a newer check) is shown with its English line."""
from __future__ import annotations

import html

from ras.finder import screen
from ras.finder.emotion_runs import MIN_CLIPS_PER_EMOTION
from ras.finder.reasons import Reason
from ras.finder.run import FinderRunRow
from ras.finder.stages import NOTHING_LEFT
from ras.finder.status import FinderStatus
from tabs.emotion_words import emotion_label
from tabs.flag_labels import flag_labels, word_list
from tabs.widgets import progress_bar


def stage_label(i18n, stage: str) -> str:
    return {"screen": i18n("筛查中"), "probe": i18n("试合成中"), "rank": i18n("排名中"), "done": i18n("完成"),
            "failed": i18n("失败")}.get(stage, stage)


def run_label(i18n, run: FinderRunRow) -> str:
    """A run in the picker: its number, its name (or how many clips it considered) and its stage."""
    if run.parent is not None:  # one emotion of a per-emotion run, listed under it
        return (f"  └ #{run.run_id} {emotion_label(i18n, run.emotion)} · {i18n('{} 条音频').format(run.clips)}"
                f" · {stage_label(i18n, run.stage)}")
    name = run.name if run.named else i18n("{} 条音频").format(run.clips)
    if run.emotions:
        name += " · " + i18n("每种情绪各一份名单（{} 种）").format(run.emotions)
    return f"#{run.run_id} {name} · {stage_label(i18n, run.stage)}"


def hover(words: str, detail: str) -> str:
    """Words with their numbers on hover (an HTML title), for a table cell or a line of the page."""
    return f'<span title="{html.escape(detail, quote=True)}">{html.escape(words)}</span>'


def _kinds(i18n, kinds: dict) -> str:
    """{"repeat": 2, "job_failed": 1} -> 重复 2、合成失败 1 (most first)."""
    labels = {name: word for name, (word, _) in flag_labels(i18n).items()}
    labels.update(job_failed=i18n("合成失败"), low_score=i18n("自动评分低"))
    return word_list(i18n, (f"{labels.get(name, name)} {count}"
                            for name, count in sorted(kinds.items(), key=lambda kv: -kv[1])))


def _rate_unit(i18n, unit: str) -> str:
    """What a speaking rate counts in the clip's language (ras.metrics.rate.unit_name): characters of
    Chinese, Cantonese and Japanese, words of English, syllables of Korean."""
    return {"chars": i18n("个字"), "words": i18n("个词"), "syllables": i18n("个音节")}[unit]


def _screening(i18n, code: str, v: dict) -> tuple[str, str] | None:
    if code == "duration":
        words = i18n("太短：{seconds:g} 秒") if v["seconds"] < v["min"] else i18n("太长：{seconds:g} 秒")
        return words.format(**v), i18n("GPT-SoVITS 只接受 {min:g}–{max:g} 秒的参考音频").format(**v)
    if code == "empty_text":
        return i18n("没有文本"), i18n("参考音频需要与它对应的文本")
    if code == "implausible_text":
        v = {**v, "unit": _rate_unit(i18n, v["unit"])}
        words = i18n("文本比声音长：每秒要说 {rate:g} {unit}，这门语言通常 {low:g}–{high:g}") if v["rate"] > v["high"] \
            else i18n("文本比声音短：每秒只有 {rate:g} {unit}，这门语言通常 {low:g}–{high:g}")
        return (words.format(**v),
                i18n("{units} {unit}在 {speech_seconds:g} 秒的语音里：文本可能写错或被截断").format(**v))
    if code == "asr_mismatch":
        return (i18n("识别出的文字与文本不符（错 {cer:.0%}）").format(**v),
                i18n("字错误率 {cer:.2f}，上限 {limit:.2f}").format(**v))
    if code == "noisy":
        return (i18n("噪声大：语音只比底噪高 {snr_db} dB").format(**v),
                i18n("参考音频的底噪会被带进合成结果；筛查要求至少 {limit:g} dB").format(**v))
    if code == "clipped":
        return (i18n("爆音：{percent:g}% 的采样削顶").format(**v),
                i18n("削顶会让合成结果带破音；上限 {limit:g}%").format(**v))
    if code == "long_silence":
        return (i18n("句中有 {seconds:g} 秒的停顿").format(**v),
                i18n("GPT-SoVITS 会把参考里的停顿带进合成结果；上限 {limit:g} 秒").format(**v))
    if code == "other_voice":
        return (i18n("不像这个角色的主要声音（相似度 {similarity:.2f}）").format(**v),
                i18n("与角色主要声音的相似度 {similarity:.2f}，低于 {limit:.2f}").format(**v))
    if code == "duplicate":
        return (i18n("与 #{clip_id} 重复").format(**v),
                i18n("文本和时长相同，或声音几乎一样：保留了较早的一条"))
    return None


def _ranking(i18n, code: str, v: dict) -> tuple[str, str] | None:
    if code == "failures":
        words = i18n("{takes} 条全部通过").format(**v) if not v["failed"] else \
            i18n("{takes} 条中 {failed} 条不合格：{kinds}").format(**{**v, "kinds": _kinds(i18n, v["kinds"])})
        return words, i18n("不合格：合成失败、带有问题标记，或自动评分低于 60")
    if code == "unstable_duration":
        return (i18n("语速随种子变化 {percent}%").format(**v),
                i18n("同一文本换种子后字/秒相差超过 {limit}% 的部分会降低下限").format(**v))
    if code == "voice_drift":
        return (i18n("合成的音色偏离参考（相似度 {similarity:.2f}）").format(**v),
                i18n("结果与参考的说话人相似度中位数低于 {limit:.2f}，差多少下限就降多少").format(**v))
    if code == "shared_flags":
        return (i18n("不计同一文本普遍的问题：{kinds}").format(kinds=_kinds(i18n, v["kinds"])),
                i18n("同一文本在每个参考下多数结果都有的标记：问题在文本或识别模型，不在参考"))
    if code == "few_takes":
        return (i18n("只有 {takes} 条结果，证据少").format(**v), i18n("条数越多，置信下限越接近通过率"))
    return None


def _standing(i18n, code: str, v: dict) -> tuple[str, str] | None:
    bound_note = i18n("淘汰时每个参考的条数相同；条数少时下限偏低或偏高都可能，不能直接与候选名单的下限比较")
    if code == "shortlisted":
        return i18n("候选名单第 {place} 名").format(**v), i18n("最后一轮里通过率 70% 以上、下限最高的参考")
    if code == "in_race":
        return i18n("仍在比较"), i18n("还在试合成的轮次里")
    if code == "below_bar":
        return (i18n("通过率 {score:g}% 不到 {bar:g}%").format(**v),
                i18n("进入候选名单需要至少 {bar:g}% 的结果合格").format(**v))
    if code == "no_verdict":
        return i18n("没有可判断的结果"), i18n("它的结果都没有分析结论（分析失败）")
    if code == "beyond_places":
        return (i18n("最后一轮第 {place} 名，名额只有 {places} 个").format(**v),
                i18n("候选名单按下限取最后一轮的前 {places} 名").format(**v))
    if code == "halved":
        return (i18n("第 {round} 轮后淘汰：{takes} 条时排第 {place}/{of}").format(**v),
                i18n("只有前 {kept} 名进入下一轮。").format(**v) + bound_note)
    if code == "clearly_worse":
        return (i18n("第 {round} 轮后淘汰：明显更差").format(**v),
                i18n("上限 {high:g} 低于候选名单的下限 {bar:g}：再多的结果也进不了名单").format(**v))
    if code == "not_reached":
        return (i18n("第 {round} 轮后预算用完").format(**v),
                i18n("它仍在比较中，但轮到它之前作业预算已经用完"))
    return None


def reason_words(i18n, reason: Reason, kind: str = "screening") -> tuple[str, str]:
    """(words, numbers) of a screening, ranking or standing reason; the English line when it has no words."""
    words = {"screening": _screening, "ranking": _ranking, "standing": _standing}[kind]
    try:
        found = words(i18n, reason.code, reason.values)
    except (KeyError, TypeError, ValueError):  # a row stored before its numbers were kept
        found = None
    return found or (_plain_label(i18n, reason.code), reason.detail or reason.code)


def _plain_label(i18n, code: str) -> str:
    return {"duration": i18n("时长不在 3–10 秒"), "empty_text": i18n("没有文本"),
            "implausible_text": i18n("文本与时长不符"), "asr_mismatch": i18n("识别文本不符"),
            "noisy": i18n("噪声大"), "clipped": i18n("爆音"), "long_silence": i18n("句中长静音"),
            "other_voice": i18n("音色不同"), "duplicate": i18n("重复"), "unreadable": i18n("无法读取"),
            "failures": i18n("不合格的结果"), "unstable_duration": i18n("语速不稳"), "voice_drift": i18n("音色偏移"),
            "few_takes": i18n("条数少"), "shared_flags": i18n("同一文本普遍的问题（不计）")}.get(code, code)


def reasons_html(i18n, reasons, kind: str = "screening") -> str:
    return i18n("；").join(hover(*reason_words(i18n, r, kind)) for r in reasons)


def stop_words(i18n, stop: Reason | None) -> str:
    if stop is None:
        return ""
    return {"confirmed": i18n("候选名单的每个参考都有 {} 条以上结果").format(stop.values.get("takes", "")),
            "budget_spent": i18n("作业预算用完"), "no_candidates": i18n("没有候选了"),
            "pairs_tried": i18n("剩下的参考已试过每个文本和种子的组合"),
            "no_texts": i18n("没有试合成文本")}.get(stop.code, stop.detail)


def error_words(i18n, error: str) -> str:
    return i18n("筛查排除了所有音频：把一些放回候选，或导入其他音频") if error == NOTHING_LEFT else error


def duration_words(i18n, seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return i18n("约 {} 秒").format(seconds)
    return i18n("约 {} 分 {} 秒").format(seconds // 60, seconds % 60)


def state_line(i18n, status: FinderStatus, job_seconds: float | None) -> str:
    """What the run is doing now, and what it waits for."""
    work = status.work
    if status.stage == "screen":
        return i18n("正在筛查音频（不合成）…")
    if status.stage == "probe":
        left = work.queued + work.running
        if left:
            line = i18n("第 {} 轮试合成：还有 {} 个作业").format(work.rounds, left)
            return line + (f" · {duration_words(i18n, left * job_seconds)}" if job_seconds else "")
        if work.awaiting_analysis:
            return i18n("第 {} 轮的作业已完成，等待 {} 条结果的分析；分析完后自动安排下一轮").format(
                work.rounds, work.awaiting_analysis)
        return i18n("正在安排第 {} 轮…").format(work.rounds + 1)
    if status.stage == "rank":
        return i18n("正在排名…")
    if status.stage == "failed":
        return i18n("失败：{}").format(error_words(i18n, status.error))
    line = i18n("完成：{}。").format(stop_words(i18n, status.stop)) if status.stop else i18n("完成。")
    if status.settled:
        return line + i18n("所有结果都已分析，不会再有变化。")
    if work.queued or work.running:
        return line + i18n("还有 {} 个作业在排队或运行。").format(work.queued + work.running)
    return line + i18n("排名已定，还有 {} 条结果在分析。").format(work.awaiting_analysis)


def budget_line(i18n, status: FinderStatus) -> str:
    """The job counts, and why the total is what it is (it follows the clips screening left, then the stop)."""
    work, budget = status.work, status.budget_jobs or 0
    parts = [i18n("{}/{} 个作业完成").format(status.jobs_done, status.jobs_total)]
    if status.stage in ("done", "failed") and budget:
        early = work.jobs_made < budget and status.stage == "done"
        parts.append(i18n("用了 {} 个作业，预算 {}").format(work.jobs_made, budget)
                     + (i18n("（在预算用完前就有了结论）") if early else ""))
    elif budget:
        basis = i18n("按筛查后留下的 {} 条候选计算").format(work.budget_for_candidates) \
            if work.budget_for_candidates is not None else i18n("你设定的")
        parts.append(i18n("预算 {} 个作业（{}）").format(budget, basis))
    if work.budget_added:
        parts.append(i18n("其中 {} 个给放回候选的音频").format(work.budget_added))
    if status.full_grid_jobs:
        parts.append(i18n("全部组合 {} 个作业").format(status.full_grid_jobs))
    if status.jobs_failed:
        parts.append(i18n("{} 个作业失败").format(status.jobs_failed))
    if status.analysis_failed:
        parts.append(i18n("{} 条结果分析失败").format(status.analysis_failed))
    return " · ".join(parts)


def progress_html(i18n, status: FinderStatus, job_seconds: float | None) -> str:
    shown = min(status.jobs_done, max(status.jobs_total, 1))  # a full bar at most
    # the jobs done so far, in the failed colour once the run has failed
    done, failed = (0, shown) if status.stage == "failed" else (shown, 0)
    state = html.escape(state_line(i18n, status, job_seconds))
    return (progress_bar(done, failed, status.jobs_total)
            + f'<div style="margin-top:4px"><b>{state}</b></div>'
            f'<div style="margin-top:2px">{html.escape(budget_line(i18n, status))}</div>')


def screening_summary(i18n, status: FinderStatus) -> str:
    """One line over the screening table: how many clips stay candidates, and what excluded the others."""
    if not status.screened:
        return ""
    counts = screen.summary(list(status.screened))
    excluded = sum(1 for r in status.screened if r.excluded)
    line = i18n("{} 条音频中 {} 条留作候选，{} 条排除").format(len(status.screened), status.work.candidates, excluded)
    if counts:
        line += i18n("：") + word_list(i18n, (f"{_plain_label(i18n, code)} {n}"
                                              for code, n in counts.items()))
    return line + i18n("。把鼠标停在原因上可看具体数值；点一行可把它放回候选。")


def emotions_overview(i18n, status: FinderStatus) -> str:
    """A per-emotion run: each emotion's shortlist and stage, and the emotions left out for too few clips."""
    if not status.emotions and not status.left_out:
        return ""
    lines = [i18n("**每种情绪的候选名单**（在记录列表里选一种情绪的记录，可试听、保存为成品、盲听比较）")]
    for part in status.emotions:
        found = part.status
        names = ("、".join(f"#{c}" for c in found.shortlist) if found.shortlist
                 else i18n("（没有参考达到名单的标准）") if found.stage == "done" else i18n("（暂无）"))
        lines.append(f"- {emotion_label(i18n, part.emotion)}{i18n('：')}{names} · "
                     + i18n("{} 条音频").format(part.clips) + f" · {stage_label(i18n, found.stage)} · "
                     + i18n("记录 #{}").format(found.run_id))
    for emotion, count in status.left_out.items():
        lines.append(f"- {emotion_label(i18n, emotion)} · "
                     + i18n("只有 {} 条音频，没有参加（每种情绪至少 {} 条）").format(count, MIN_CLIPS_PER_EMOTION))
    return "\n".join(lines)
