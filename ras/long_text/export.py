"""Export of one configuration's long text: what a user needs to publish or edit it.

The zip holds the joined wav, each chosen sentence's wav (sentences/NNN.wav), subtitles
(.srt) whose cues are the sentences' spans in the joined wav (from the join's sample counts,
so they match the audio), sentences.json (text, start, end of each sentence) and
long_text.json (per sentence: text, timings, take, seed, auto score, flags, tries, whether
it needs listening; plus the configuration's parameters and the autopilot's settings).
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

from ras.audio.files import atomic_target
from ras.audio.wav_tags import embed_settings
from ras.errors import Conflict
from ras.long_text import takes
from ras.long_text.status import joined_listing, sentence_row
from ras.store.db import get_row
from ras.store.role_tables import LongTextPart, ParamSet
from ras.store.workspace import Workspace


def srt_time(seconds: float) -> str:
    millis = int(round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"


def srt_text(cues: list[dict]) -> str:
    """SubRip cues, numbered from 1, one per sentence (start, end in seconds, text)."""
    blocks = [f"{n}\n{srt_time(c['start'])} --> {srt_time(c['end'])}\n{c['text'].strip()}\n"
              for n, c in enumerate(cues, 1)]
    return "\n".join(blocks)


def export_part(*, ws: Workspace, role: str, part_id: int) -> Path:
    """The zip of one configuration's long text (see the module doc); its path in the role folder."""
    role_dir = ws.role_dir(role)
    with ws.role_session(role) as session:
        part = get_row(session, LongTextPart, part_id, "long-text part", role)
        run = takes.get_run(session, role, part.run_id)
        if not part.joined_path or not (role_dir / part.joined_path).is_file():
            raise Conflict(f"part {part_id} has no joined audio yet: wait until all its sentences are done")
        gate = takes.run_gate(run)
        sentences = takes.part_sentences(session, run, part)
        shown = [sentence_row(role_dir, s, gate, rate)
                 for s, rate in zip(sentences, takes.sentence_rates(sentences, gate))]
        chosen = [s.chosen() for s in sentences]
        params = session.get(ParamSet, part.param_set_id).params
        label = session.get(ParamSet, part.param_set_id).label
    wav = role_dir / part.joined_path
    listing = joined_listing(wav)
    if listing is None:
        raise Conflict(f"the sentence list of part {part_id} is being written; export again in a moment")
    spans = {s["index"]: s for s in listing["sentences"]}
    joined_takes = [spans.get(i, {}).get("result_id", c.id if c else None) for i, c in enumerate(chosen)]
    if joined_takes != [c.id if c else None for c in chosen]:
        raise Conflict(f"the joined audio of part {part_id} is being rebuilt for new takes; export again in a moment")
    stem = f"long_text_{run.id}_{part.id}"
    files: dict[str, Path | bytes] = {"sentences.json": wav.with_suffix(".json")}
    details = []
    for sentence, take in zip(shown, chosen):
        span = spans[sentence.index]
        name = f"sentences/{sentence.index + 1:03d}.wav"
        seed = takes.take_seed(take)
        seed = params.get("seed") if seed is None else seed
        detail = {"index": sentence.index, "text": sentence.text, "start": span["start"], "end": span["end"],
                  "file": name, "result_id": take.id, "seed": seed, "params": {**params, "seed": seed},
                  "auto_score": take.auto_score, "flags": list(sentence.flags),
                  "needs_listening": sentence.needs_listening, "chosen_by_person": sentence.chosen_by_person,
                  "tries": [{"result_id": t.result_id, "seed": t.seed, "auto_score": t.auto_score,
                             "flags": list(t.flags), "chosen": t.chosen, "reasons": list(t.reasons)}
                            for t in sentence.tries]}
        details.append(detail)
        # every exported wav says what made it, in a chunk players ignore (ras.audio.wav_tags)
        files[name] = embed_settings((role_dir / take.result_path).read_bytes(), detail)
    cues = [{"start": d["start"], "end": d["end"], "text": d["text"]} for d in details]
    summary = {"run_id": run.id, "part_id": part.id, "configuration": label, "text": run.text,
               "text_lang": run.text_lang, "params": params, "duration": listing["duration"],
               "sample_rate": listing["sample_rate"], "max_tries": run.max_tries, "gate": gate.as_dict(),
               "audio": f"{stem}.wav", "subtitles": f"{stem}.srt", "sentences": details}
    files[f"{stem}.wav"] = embed_settings(wav.read_bytes(), summary)
    files[f"{stem}.srt"] = srt_text(cues).encode("utf-8")
    files["long_text.json"] = json.dumps(summary, ensure_ascii=False, indent=2).encode("utf-8")
    target = wav.with_name(f"{wav.stem}_export.zip")
    with atomic_target(target) as temp, zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            if isinstance(content, Path):
                archive.write(content, name)
            else:
                archive.writestr(name, content)
    return target
