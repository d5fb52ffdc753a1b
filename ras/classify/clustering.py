"""Group clip embeddings by voice/style, and the numbers the Classify tab shows.

Embeddings are rows (one clip each), compared by cosine. Clustering is
agglomerative with average linkage: deterministic, needs no group count up
front (a distance threshold works too) and 1,000 clips take well under 2 s.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _checked_matrix(embeddings) -> np.ndarray:
    matrix = np.asarray(embeddings, dtype=np.float64)
    if matrix.ndim != 2 or len(matrix) == 0:
        raise ValueError("embeddings must be a non-empty 2-D array (one row per clip)")
    if not np.all(np.isfinite(matrix)):
        raise ValueError("embeddings contain NaN or infinite values (clips that failed to embed)")
    return matrix


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def cluster(embeddings, n_groups: int | None = None, threshold: float | None = None) -> np.ndarray:
    """Group labels 0..k-1 (0 = largest group), by group count or distance threshold.

    `threshold` is a cosine distance (1 - cosine similarity, 0..2): groups
    whose average member distance is above it stay apart. Exactly one of
    `n_groups` and `threshold` must be given.
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    matrix = _checked_matrix(embeddings)
    if (n_groups is None) == (threshold is None):
        raise ValueError("give exactly one of n_groups or threshold")
    count = len(matrix)
    if n_groups is not None:
        n_groups = int(n_groups)
        if not 1 <= n_groups <= count:
            raise ValueError(f"n_groups must be between 1 and the number of clips ({count}), not {n_groups}")
    elif not 0 <= float(threshold) <= 2:
        raise ValueError(f"threshold is a cosine distance between 0 and 2, not {threshold}")
    if count == 1:
        return np.zeros(1, dtype=int)
    tree = linkage(_unit_rows(matrix), method="average", metric="cosine")
    if n_groups is not None:
        raw = fcluster(tree, t=n_groups, criterion="maxclust")
    else:
        raw = fcluster(tree, t=float(threshold), criterion="distance")
    return _relabel_by_size(raw)


def _relabel_by_size(raw_labels: np.ndarray) -> np.ndarray:
    """Labels renumbered so group 0 is the largest (ties: first clip first)."""
    values, first_index, counts = np.unique(raw_labels, return_index=True, return_counts=True)
    order = sorted(range(len(values)), key=lambda i: (-counts[i], first_index[i]))
    mapping = {values[i]: new for new, i in enumerate(order)}
    return np.array([mapping[v] for v in raw_labels], dtype=int)


def representatives(embeddings, labels) -> dict[int, int]:
    """{group: index of the clip closest (cosine) to its group's centroid}."""
    matrix = _unit_rows(_checked_matrix(embeddings))
    labels = np.asarray(labels)
    chosen = {}
    for group in np.unique(labels):
        members = np.flatnonzero(labels == group)
        centroid = matrix[members].mean(axis=0)
        chosen[int(group)] = int(members[np.argmax(matrix[members] @ centroid)])
    return chosen


def rank_similar(embeddings, index: int) -> np.ndarray:
    """All clip indices by cosine similarity to clip `index`, most similar first.

    The chosen clip itself comes first (similarity 1); the sort is stable so
    equal scores keep clip order.
    """
    matrix = _unit_rows(_checked_matrix(embeddings))
    if not 0 <= index < len(matrix):
        raise ValueError(f"clip index {index} out of range (0..{len(matrix) - 1})")
    scores = similarities(matrix, index)
    scores[index] = np.inf  # the clip itself first, even beside an exact duplicate
    return np.argsort(-scores, kind="stable")


def similarities(embeddings, index: int) -> np.ndarray:
    """Cosine similarity of every clip to clip `index` (for the ranking's table)."""
    matrix = _unit_rows(_checked_matrix(embeddings))
    return matrix @ matrix[index]


def project_2d(embeddings) -> np.ndarray:
    """(n, 2) coordinates for the groups map: PCA of the unit-norm rows by SVD."""
    matrix = _unit_rows(_checked_matrix(embeddings))
    centred = matrix - matrix.mean(axis=0)
    if len(matrix) < 2 or not np.any(centred):
        return np.zeros((len(matrix), 2))
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    coords = centred @ components[:2].T
    if coords.shape[1] < 2:  # fewer dimensions than 2 (e.g. 1-d embeddings)
        coords = np.pad(coords, ((0, 0), (0, 2 - coords.shape[1])))
    # SVD signs are arbitrary: fix them so the map doesn't flip between runs.
    signs = np.sign(coords[np.argmax(np.abs(coords), axis=0), [0, 1]])
    return coords * np.where(signs == 0, 1, signs)


def group_summary(
    embeddings,
    labels,
    durations: Sequence[float] | None = None,
    names: dict[int, str] | None = None,
) -> list[dict]:
    """Per group: count, mean duration (s, or None), representative index, name.

    Sorted by group label. `names` are user labels (e.g. 平静, 激动); groups
    without one are called "group N".
    """
    labels = np.asarray(labels)
    if len(labels) != len(_checked_matrix(embeddings)):
        raise ValueError("labels and embeddings differ in length")
    if durations is not None and len(durations) != len(labels):
        raise ValueError("durations and labels differ in length")
    reps = representatives(embeddings, labels)
    rows = []
    for group in sorted(reps):
        members = np.flatnonzero(labels == group)
        mean_duration = float(np.mean(np.asarray(durations, dtype=float)[members])) if durations is not None else None
        rows.append(
            {
                "group": group,
                "name": (names or {}).get(group, f"group {group}"),
                "count": int(len(members)),
                "mean_duration": mean_duration,
                "representative": reps[group],
            }
        )
    return rows


def purity(labels, truth) -> float:
    """Share of clips whose group's majority true class is their own (1.0 = pure)."""
    labels, truth = np.asarray(labels), np.asarray(truth)
    agree = 0
    for group in np.unique(labels):
        _, counts = np.unique(truth[labels == group], return_counts=True)
        agree += counts.max()
    return agree / len(labels)
