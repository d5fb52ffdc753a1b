"""Long-text status rows as the service returns them, built by hand for tab tests (no run needed)."""
from __future__ import annotations

from ras.gate import Gate
from ras.long_text.status import LongTextStatus, PartStatus, SentenceRow, TryRow


def try_of(result_id: int, *, reasons=(), chosen=False, seed=2049115138, auto_score=80.0, status="done",
           chars_per_second=3.0, duration=1.5, flags=()) -> TryRow:
    return TryRow(result_id=result_id, seed=seed, status=status, auto_score=auto_score, flags=tuple(flags),
                  chosen=chosen, audio=f"/tmp/{result_id}.wav", reasons=tuple(reasons), analysis_error=None,
                  duration=duration, chars_per_second=chars_per_second)


def sentence_of(index: int, text: str, tries: tuple[TryRow, ...], *, needs_listening=False, status="done",
                chars_per_second=3.0, duration=1.5, flags=()) -> SentenceRow:
    chosen = next((t.result_id for t in tries if t.chosen), None)
    return SentenceRow(index=index, job_id=tries[0].result_id, text=text, status=status, error="",
                       duration=duration, chars_per_second=chars_per_second, auto_score=80.0, flags=tuple(flags),
                       attempts=1, seed=None, finished_at=None, audio=None, chosen_result_id=chosen,
                       chosen_by_person=False, tries=tries, needs_listening=needs_listening)


def part_of(*sentences: SentenceRow, normal_rate=(2.1, 3.4), part_id: int = 1) -> PartStatus:
    return PartStatus(part_id=part_id, result_id=1, clip_id=1, label="#1 top_k=5 · ref 1", score=None, note="",
                      joined_audio=None, spectrogram=None, normal_rate=normal_rate,
                      needs_listening=sum(s.needs_listening for s in sentences), sentences=sentences)


def status_of(*parts: PartStatus, settled=True, awaiting_analysis=0, rerolls_due=0, joins_due=0,
              **counts) -> LongTextStatus:
    sentences = sum(len(p.sentences) for p in parts)
    values = {"queued": 0, "running": 0, "done": sentences, "failed": 0, "cancelled": 0, "total": sentences,
              **counts}
    return LongTextStatus(run_id=1, task_id=2, name="run", text="text", text_lang="en", task_state="idle",
                          max_tries=4, gate=Gate(), needs_listening=sum(p.needs_listening for p in parts),
                          sentence_count=sentences, parts=parts, settled=settled,
                          awaiting_analysis=awaiting_analysis, rerolls_due=rerolls_due, joins_due=joins_due,
                          **values)
