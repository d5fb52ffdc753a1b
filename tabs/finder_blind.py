"""The finder's shortlist (or a configuration run's finalists) heard blind. The finder builds the comparison
task and the A/B service runs sessions over tasks; the two features meet here, above both, so neither imports
the other."""
from __future__ import annotations

from dataclasses import dataclass

from ras.ab import sessions
from ras.ab.sessions import RankedCandidate
from ras.finder import compare
from ras.store.workspace import Workspace


@dataclass(frozen=True)
class BlindComparison:
    session_id: int
    task_id: int  # the comparison task holding the shortlist's takes
    candidates: list[RankedCandidate]  # the session's candidates, one per shortlisted reference or finalist


def start_blind_comparison(*, ws: Workspace, role: str, run_id: int) -> BlindComparison:
    """A new blind A/B session over the run's shortlisted references, or a configuration run's top finalists
    heard through its first reference."""
    task_id = compare.comparison_task(ws=ws, role=role, run_id=run_id)
    started = sessions.start_session(ws=ws, role=role, task_id=task_id)
    return BlindComparison(session_id=started.session_id, task_id=task_id, candidates=started.candidates)
