"""A finder run per emotion: one request finds a shortlist for every emotion the role's clips are tagged with.

The run the person started is a parent holding one ordinary finder run per emotion with enough clips:
each screens its own clips (an angry clip is judged against how this voice speaks when angry, not
against its calm clips), races them in its own rounds and keeps its own shortlist. They share the
probe texts (chosen once, for the language most of the clips speak) and one job budget, split by
the emotions' clip counts. The parent is finished when every emotion's run is.
"""
from __future__ import annotations

import json
from collections import defaultdict

from ras.errors import InputError
from ras.finder import run as runs
from ras.finder.facts import candidate_clips
from ras.store.role_tables import FinderRun
from ras.store.workspace import Workspace

MIN_CLIPS_PER_EMOTION = 3  # fewer cannot be raced against each other: that emotion is left out, and said so
DEFAULT_EMOTION_SHORTLIST = 3  # a voice needs a few good references per emotion, not five


def is_emotion_run(spec: dict) -> bool:
    return bool(spec.get("children"))


def wants_emotions(spec) -> bool:
    """The request asks for a shortlist per emotion (`"per_emotion": true`)."""
    return isinstance(spec, dict) and bool(spec.get("per_emotion"))


def split_budget(budget: int, sizes: dict[str, int]) -> dict[str, int]:
    """`budget` jobs shared by clip count (largest remainders), every emotion getting at least one."""
    total = sum(sizes.values())
    exact = {e: budget * n / total for e, n in sizes.items()}
    shares = {e: max(1, int(v)) for e, v in exact.items()}
    for emotion in sorted(exact, key=lambda e: exact[e] - int(exact[e]), reverse=True):
        if sum(shares.values()) >= budget:
            break
        shares[emotion] += 1
    return shares


def create_emotion_run(*, ws: Workspace, role: str, spec: dict, resolve_weight=None, default_weight=None) -> int:
    """Store the parent and one run per emotion with MIN_CLIPS_PER_EMOTION or more clips (each in stage
    "screen": the driver takes them from there). InputError when no emotion has enough clips."""
    plain = {k: v for k, v in spec.items() if k != "per_emotion"}
    if plain.get("shortlist") in (None, ""):
        plain["shortlist"] = DEFAULT_EMOTION_SHORTLIST
    checked = runs.checked_spec(ws=ws, role=role, spec=plain, resolve_weight=resolve_weight,
                                default_weight=default_weight)
    by_emotion: dict[str, list[int]] = defaultdict(list)
    for clip in candidate_clips(ws=ws, role=role, clip_ids=checked["clip_ids"], group_id=None):
        by_emotion[clip.emotion].append(clip.id)
    untagged = len(by_emotion.pop("", []))
    enough = {e: ids for e, ids in sorted(by_emotion.items(), key=lambda item: (-len(item[1]), item[0]))
              if len(ids) >= MIN_CLIPS_PER_EMOTION}
    if not enough:
        counts = ", ".join(f"{e} {len(ids)}" for e, ids in by_emotion.items()) or "none tagged"
        raise InputError(f"no emotion in role {role!r} has {MIN_CLIPS_PER_EMOTION} or more clips ({counts}): "
                         "tag clips by emotion (clip browser, emotion model, or 【开心】-style names on import) "
                         "or search without per_emotion")
    budgets = (split_budget(checked["budget_jobs"], {e: len(ids) for e, ids in enough.items()})
               if checked["budget_jobs"] else dict.fromkeys(enough))
    left_out = {e: len(ids) for e, ids in by_emotion.items() if e not in enough}
    with ws.role_session(role) as session:
        parent = FinderRun(name=checked["name"] or f"{len(checked['clip_ids'])} clips", stage="probe", spec_json="{}")
        session.add(parent)
        session.flush()
        children = {}
        for emotion, ids in enough.items():
            child_spec = {**checked, "clip_ids": ids, "budget_jobs": budgets[emotion], "parent": parent.id,
                          "emotion": emotion}
            child = FinderRun(name=f"{parent.name} · {emotion}", spec_json=json.dumps(child_spec, ensure_ascii=False))
            session.add(child)
            session.flush()
            children[emotion] = child.id
        parent.spec_json = json.dumps({**checked, "per_emotion": True, "children": children,
                                       "emotion_clips": {e: len(ids) for e, ids in enough.items()},
                                       "left_out": left_out, "untagged": untagged}, ensure_ascii=False)
        session.add(parent)
        session.commit()
        return parent.id


def advance_parent(ws: Workspace, role: str, run_id: int) -> None:
    """Finish the parent once every emotion's run has finished: done when one of them found anything."""
    found = list(runs.child_runs(ws, role, runs.load_run(ws, role, run_id)).items())
    if any(child.stage in runs.ACTIVE_STAGES for _, child in found):
        return
    shortlist = [clip_id for _, child in found for clip_id in child.shortlist]
    if any(child.stage == "done" for _, child in found):
        runs.update_run(ws, role, run_id, stage="done", shortlist_json=shortlist)
    else:
        error = "; ".join(f"{emotion}: {child.error}" for emotion, child in found) or "every emotion's run was deleted"
        runs.update_run(ws, role, run_id, stage="failed", error=error)

