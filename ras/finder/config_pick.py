"""The take a product is made from when a user keeps a candidate of a finished configuration run.

A product (ras.products) is made from a finished take: it keeps the weights, the prompt and every
parameter the engine received, and copies the take's reference clip. So keeping a candidate is
keeping its best take made with the run's first reference (the top of the reference shortlist when
the run heard up to three): the product then holds the candidate's GPT and SoVITS weights, its
sampling settings and that reference, which is what the run measured the candidate with.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from ras.errors import Conflict, NotFound
from ras.finder import config_run, config_stages, configs
from ras.finder import run as runs
from ras.store.role_tables import Job
from ras.store.workspace import Workspace


@dataclass(frozen=True)
class CandidateTake:
    run_id: int
    index: int  # the candidate's place in the run's list (a ranking row's "index")
    label: str
    result_id: int  # the take the product is made from
    reference_id: int  # the clip that take was made with
    name: str  # a product name to offer: "<role> e15×e8" (a settings candidate: its label)


def default_name(role: str, candidate: configs.Candidate) -> str:
    params = candidate.params
    if params.get("gpt") and params.get("sovits"):
        return f"{role} {configs.weight_label('gpt', params['gpt'])}×{configs.weight_label('sovits', params['sovits'])}"
    return f"{role} {candidate.label}"


def _best(takes: list[Job]) -> Job:
    """A take without failure flags first, then the person's score, then the auto score, then the first made."""
    return max(takes, key=lambda j: (not j.flags, j.score if j.score is not None else -1,
                                     j.auto_score if j.auto_score is not None else -1, -j.id))


def candidate_take(*, ws: Workspace, role: str, run_id: int, index: int | None = None) -> CandidateTake:
    """The take to keep for a candidate of a finished configuration run (by default the recommended one)."""
    run = runs.load_run(ws, role, run_id)
    spec = run.spec
    if not config_run.is_config_run(spec):
        raise Conflict(f"finder run {run_id} compares reference clips; keep one of its shortlist's takes instead")
    if run.stage != "done":
        raise Conflict(f"finder run {run_id} is still in stage {run.stage!r}; keep a candidate when it is done")
    if index is None:
        if not run.shortlist:
            raise NotFound(f"finder run {run_id} recommends no candidate; pick one of its ranking's rows")
        index = run.shortlist[0]
    ranked = {int(row["index"]) for row in run.ranking if row.get("takes")}
    if int(index) not in ranked:
        raise NotFound(f"candidate {index} has no takes in finder run {run_id}; pick one of its ranking's rows")
    candidate = config_run.candidates_of(spec)[int(index)]
    reference = spec["reference_ids"][0]
    with ws.role_session(role) as session:
        candidate_of = config_stages.candidate_of_sets(session, run.task_ids)
        takes = [job for job in session.exec(select(Job).where(
            col(Job.task_id).in_(run.task_ids), Job.clip_id == reference, Job.status == "done",
            Job.result_path != "", Job.request_json != "")).all() if candidate_of.get(job.param_set_id) == index]
    if not takes:
        raise NotFound(f"candidate {candidate.label!r} of finder run {run_id} has no finished take with reference "
                       f"#{reference} (its takes were deleted, or all of them failed); pick another candidate")
    return CandidateTake(run_id=run.id, index=int(index), label=candidate.label, result_id=_best(takes).id,
                         reference_id=reference, name=default_name(role, candidate))
