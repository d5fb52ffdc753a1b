"""The long-text tab's words: why the gate set a try aside (short words in the table and the try picker, the
numbers in a hover text and a details line), a try's name, the needs-listening mark. The API keeps the
gate's reason codes (ras.gate.reasons); these are only how the page says them."""
from __future__ import annotations

from html import escape

from ras.gate import Reason, read_reason
from ras.long_text.status import SentenceRow, TryRow
from tabs.flag_labels import flag_labels, flag_words, word_list

# A mark every system font draws (an emoji ear showed as an empty box where no emoji font is installed).
LISTEN_MARK = "●"

NormalRate = tuple[float, float] | None  # the configuration's own chars/s range (PartStatus.normal_rate)


def try_name(i18n, number: int) -> str:
    """Tries are named by their order: "第 2 次" / "try 2" (the seed is in the details)."""
    return i18n("第 {n} 次").format(n=number)


def status_label(i18n, status: str) -> str:
    labels = {"done": i18n("完成"), "queued": i18n("排队"), "running": i18n("运行中"), "failed": i18n("失败"),
              "cancelled": i18n("已取消")}
    return labels.get(status, status)


def reason_word(i18n, reason: Reason) -> str:
    """A few words for one failed condition."""
    if reason.code == "flag":
        return flag_words(i18n, [reason.flag])
    if reason.code == "chars_per_second":
        return i18n("说得太快") if reason.above else i18n("说得太慢")
    words = {"auto_score": i18n("自动评分低"), "cer": i18n("字词与原文不符"), "not_analysed": i18n("未分析"),
             "analysis_failed": i18n("分析失败")}
    return words.get(reason.code) or status_label(i18n, reason.code)


def _number(value: float | None, digits: int = 1) -> str:
    return "?" if value is None else f"{value:.{digits}f}"


def _percent(value: float | None) -> str:
    return "?" if value is None else f"{value:.0%}"


def reason_detail(i18n, reason: Reason, normal_rate: NormalRate) -> str:
    """The failed condition with its numbers, as a sentence."""
    if reason.code == "flag":
        labels = flag_labels(i18n)
        return labels[reason.flag][1] if reason.flag in labels else reason.flag
    if reason.code == "auto_score":
        return i18n("自动评分 {score}，门槛要求至少 {limit}").format(score=_number(reason.value, 0),
                                                             limit=f"{reason.bound:g}" if reason.bound else "?")
    if reason.code == "chars_per_second":
        low, high = normal_rate or (reason.bound, reason.bound)
        return i18n("每秒 {rate} 字，这个配置通常每秒 {low}–{high} 字").format(
            rate=_number(reason.value), low=_number(low), high=_number(high))
    if reason.code == "cer":
        return i18n("识别出的文字有 {cer} 与原文不同，上限 {limit}").format(cer=_percent(reason.value),
                                                                 limit=_percent(reason.bound))
    if reason.code == "analysis_failed":
        return i18n("分析两次都没有完成，这个尝试没有指标")
    if reason.code == "not_analysed":
        return i18n("还在等分析")
    if reason.value is not None:  # a rule newer than these words: its code and numbers as they are
        return f"{reason.code} {reason.value:g} {'>' if reason.above else '<'} {_number(reason.bound, 2)}"
    return reason_word(i18n, reason)


def reason_words(i18n, reasons) -> str:
    """The gate's reason codes as a short list of words in the page language."""
    return word_list(i18n, (reason_word(i18n, read_reason(r)) for r in reasons))


def reason_details(i18n, reasons, normal_rate: NormalRate) -> str:
    return i18n("；").join(reason_detail(i18n, read_reason(r), normal_rate) for r in reasons)


def rejected_tries(i18n, sentence: SentenceRow, normal_rate: NormalRate) -> str:
    """The table cell (HTML): each rejected try's name and reasons in words; hovering shows the numbers."""
    cells = []
    for number, t in enumerate(sentence.tries, 1):
        if not t.reasons or t.status != "done":
            continue
        shown = i18n("{name}：{why}").format(name=try_name(i18n, number), why=reason_words(i18n, t.reasons))
        details = reason_details(i18n, t.reasons, normal_rate)
        cells.append(f'<span title="{escape(details)}" style="text-decoration:underline dotted">'
                     f'{escape(shown)}</span>')
    return escape(i18n("；")).join(cells)


def listen_mark(i18n, sentence: SentenceRow) -> str:
    return f"{LISTEN_MARK} {i18n('需要试听')}" if sentence.needs_listening else ""


def try_details(i18n, number: int, take: TryRow, normal_rate: NormalRate) -> str:
    """One line of everything known about a try: its name, seed, score, rate, length and why it failed."""
    facts = [f"**{try_name(i18n, number)}**", f"{i18n('种子')} {take.seed}"]
    if take.auto_score is not None:
        facts.append(f"{i18n('自动评分')} {take.auto_score:.0f}")
    if take.chars_per_second is not None:
        facts.append(f"{take.chars_per_second:.1f} {i18n('字/秒')}")
    if take.duration is not None:
        facts.append(i18n("{seconds} 秒").format(seconds=f"{take.duration:.1f}"))
    if take.chosen:
        facts.append(i18n("已选用"))
    line = " · ".join(facts)
    if take.reasons and take.status == "done":
        line += "  \n" + i18n("未通过：") + reason_details(i18n, take.reasons, normal_rate)
    return line
