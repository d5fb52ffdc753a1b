"""The auto score's weights: GPT-SoVITS users tune them once in settings, every task follows.

Stored in the main DB (shared by all roles). Changing them re-scores stored metrics; no
audio is analysed again.
"""
from __future__ import annotations

import json

from sqlmodel import col, select

from ras.errors import InputError
from ras.metrics import scoring
from ras.metrics.rate import rate_bounds
from ras.store.main_tables import AppSetting
from ras.store.role_tables import Job
from ras.store.workspace import Workspace

SETTING_KEY = "auto_score_weights"


def load_weights(*, ws: Workspace) -> dict:
    with ws.main_session() as session:
        row = session.get(AppSetting, SETTING_KEY)
    return scoring.merged_weights(json.loads(row.value) if row and row.value else None)


def save_weights(*, ws: Workspace, weights: dict) -> dict:
    """Validate (unknown names and non-numbers are refused) and store; returns the full set."""
    if not isinstance(weights, dict):
        raise InputError('the weights must be a JSON object of {"rule": points}, e.g. {"long_pause": 20}')
    unknown = sorted(set(weights) - set(scoring.DEFAULT_WEIGHTS))
    if unknown:
        raise InputError(f"unknown score weight(s) {', '.join(map(str, unknown))[:200]}; the rules are "
                         f"{', '.join(sorted(scoring.DEFAULT_WEIGHTS))}")
    for name, value in weights.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise InputError(f"weight {name!r} must be a number of points >= 0 (0 turns the rule off), "
                             f"got {str(value)[:40]!r}")
    merged = scoring.merged_weights(weights)
    changed = {k: v for k, v in merged.items() if v != scoring.DEFAULT_WEIGHTS[k]}
    with ws.main_session() as session:
        session.merge(AppSetting(key=SETTING_KEY, value=json.dumps(changed)))
        session.commit()
    return merged


def rescore_role(*, ws: Workspace, role: str, weights: dict) -> int:
    """Recompute auto score and flags of every analysed result of a role from its stored metrics."""
    count = 0
    with ws.role_session(role) as session:
        for job in session.exec(select(Job).where(col(Job.metrics_json) != "")).all():
            job.auto_score, flags = scoring.score(job.metrics, rate_bounds(job.text_lang, job.text), weights)
            job.flags_json = json.dumps(flags, ensure_ascii=False)
            session.add(job)
            count += 1
        session.commit()
    return count
