"""Rows of prepared samples as the bootstrap's blocks take them: pieces waiting for their
block, a block staged for its matrix product, rows taken by position (views where they
can be)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from losscli.validate.prepare import Prepared


@dataclass
class Stage:
    """One block's counts and per-sample columns, waiting for their matrix product."""

    block: int
    wf: np.ndarray
    columns: np.ndarray
    prep: Prepared
    codes: np.ndarray | None


@dataclass
class Pending:
    """Prepared rows waiting for their block to be complete."""

    parts: list[tuple[Prepared, np.ndarray, dict[str, np.ndarray]]] = field(default_factory=list)


def cat(arrays: list[np.ndarray | None]) -> np.ndarray | None:
    return None if arrays[0] is None else np.concatenate(arrays)  # type: ignore[arg-type]


def take_rows(prep: Prepared, idx: np.ndarray | slice, weights: np.ndarray | None) -> Prepared:
    return replace(
        prep,
        y=prep.y[idx],
        p=prep.p[idx],
        weights=weights,
        labels=None if prep.labels is None else prep.labels[idx],
        ids=None,
        rows=None,
        warnings=[],
        notes=[],
        omitted=0,
        nonfinite=0,
    )


def cut(prep: Prepared, i: int, j: int) -> Prepared:
    """Samples ``i .. j - 1`` of ``prep`` as views."""
    rows = slice(i, j)
    return take_rows(prep, rows, None if prep.weights is None else prep.weights[rows])
