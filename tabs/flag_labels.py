"""Words for the auto score's flags: the API keeps the rule names, pages show these."""
from __future__ import annotations

from ras.metrics.scoring import RULES


def _start(rule: str) -> str:
    return f"{RULES[rule].start:g}"


def flag_labels(i18n) -> dict[str, tuple[str, str]]:
    """Rule name -> (badge word, what raises it), in the UI language."""
    return {
        "long_pause": (i18n("长停顿"), i18n("句中停顿超过 {} 秒").format(_start("long_pause"))),
        "leading_silence": (i18n("开头静音"), i18n("开口前静音超过 {} 秒").format(_start("leading_silence"))),
        "trailing_silence": (i18n("结尾静音"), i18n("说完后静音超过 {} 秒").format(_start("trailing_silence"))),
        "repeat": (i18n("重复"), i18n("一段声音重复出现（复读）")),
        "held_tone": (i18n("电音"), i18n("持续的单调音或嗡声")),
        "noise": (i18n("杂音"), i18n("类似白噪声的片段")),
        "breath": (i18n("呼吸声"), i18n("比语音轻的气声，持续 0.2 秒以上")),
        "clipped": (i18n("爆音"), i18n("采样削顶失真")),
        "too_fast": (i18n("语速过快"), i18n("字/秒高于该语言的常见上限（可能吞字）")),
        "too_slow": (i18n("语速过慢"), i18n("字/秒低于该语言的常见下限")),
        "truncated": (i18n("截断"), i18n("结尾在发声中途突然停止")),
        "low_quality": (i18n("音质差"), i18n("DNSMOS 总体分低")),
        "noisy_background": (i18n("背景噪声"), i18n("DNSMOS 背景分低")),
        "voice_drift": (i18n("音色偏移"), i18n("与参考音频的说话人相似度低")),
        "wrong_words": (i18n("文本不符"), i18n("识别文本与目标文本差异大（吞字或多字）")),
        "garbled_run": (i18n("连续错字"), i18n("识别文本连续多个字或词出错：一处读错、漏读或多读的短语")),
        # the transcript rules name their flag by what most of the edits are (scoring.flag_name)
        "swallowed": (i18n("吞字"), i18n("识别文本比目标文本少了字词")),
        "extra_words": (i18n("多字"), i18n("识别文本比目标文本多出字词（如复读）")),
        "text_leak": (i18n("参考文本泄漏"), i18n("结果开头说出了参考音频的文本")),
        "no_speech": (i18n("无声"), i18n("几乎没有声音（空白或静音结果）")),
        "too_quiet": (i18n("音量过低"), i18n("最响的部分也低于 {} dBFS").format(_start("too_quiet"))),
    }


def flag_badges(i18n, flags: list[str]) -> str:
    """Markdown badges; an unknown name (a newer rule) is shown as it is."""
    labels = flag_labels(i18n)
    return " ".join(f"`{labels[f][0] if f in labels else f}`" for f in flags)


def word_list(i18n, words) -> str:
    """Words as a list in the page language: 重复、音色偏移 / repeat, voice drift."""
    return i18n("、").join(words)


def flag_words(i18n, flags: list[str]) -> str:
    labels = flag_labels(i18n)
    return word_list(i18n, (labels[f][0] if f in labels else f for f in flags))


def weights_legend(i18n) -> str:
    """One line per rule: its name in the weights JSON, its badge and what raises it."""
    labels = flag_labels(i18n)
    missing = set(RULES) - set(labels)
    assert not missing, f"flag labels missing for {sorted(missing)}"  # a new rule needs its words here
    return "  \n".join(f"`{name}` · **{labels[name][0]}** · {labels[name][1]}" for name in RULES)
