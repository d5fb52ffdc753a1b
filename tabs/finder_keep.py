"""A configuration run's candidate kept as a product. The finder picks the take that holds the candidate's
weights, settings and reference, and the products service keeps a take; the two features meet here, above
both, so neither imports the other."""
from __future__ import annotations

from dataclasses import dataclass

from ras.finder import config_pick
from ras.products import rows as products
from ras.store.workspace import Workspace


@dataclass(frozen=True)
class ProductOffer:
    result_id: int  # the take a product would be made from
    name: str  # a free product name: "<role> e15×e8", then "-2"... when taken
    candidate: str  # the candidate's label
    reference_id: int


@dataclass(frozen=True)
class KeptCandidate:
    product_id: int
    name: str
    result_id: int
    candidate: str
    reference_id: int


def product_offer(*, ws: Workspace, role: str, run_id: int, index: int | None = None) -> ProductOffer:
    """What keeping a candidate of a finished run (by default the recommended one) would make."""
    take = config_pick.candidate_take(ws=ws, role=role, run_id=run_id, index=index)
    return ProductOffer(take.result_id, products.free_name(ws=ws, base=take.name), take.label, take.reference_id)


def keep_candidate(*, ws: Workspace, role: str, run_id: int, name: str = "", index: int | None = None,
                   note: str = "") -> KeptCandidate:
    """A product of the candidate's take (named `name`, or the offered name when empty)."""
    offer = product_offer(ws=ws, role=role, run_id=run_id, index=index)
    name = (name or "").strip() or offer.name
    product_id = products.create_product(ws=ws, role=role, result_id=offer.result_id, name=name,
                                         note=note or f"finder {run_id}: {offer.candidate}")
    return KeptCandidate(product_id, name, offer.result_id, offer.candidate, offer.reference_id)
