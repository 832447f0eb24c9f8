"""Bootstrap replicates per group (``--group-by`` with ``--ci``), in bounded memory.

The replicates of :mod:`losscli.scoring.replicates` mix every figure's per-sample columns
(the losses' weighted values and weights, the linear metrics' contributions) with the
block's Poisson counts in one matrix product.  Per group the same product is taken over
the group's rows only: ``counts[:, rows of g] @ columns[rows of g]``, so every row is
multiplied once whatever the number of groups, and a group keeps one
``(replicates, columns)`` array of sums.

Memory is groups x replicates x columns x 8 bytes.  Above :data:`MAX_BYTES` the per-group
replicates are dropped (the closed forms stay) and the report says so, naming
``--n-boot``.
"""

from __future__ import annotations

import numpy as np

MAX_BYTES = 256 * 2**20  # the per-group replicates' sums, at most


class GroupBoot:
    """Per group, the sums of every replicate and column (see the module docstring)."""

    def __init__(self, n_boot: int) -> None:
        self.n_boot = n_boot
        self.sums: list[np.ndarray] = []  # per group code: (n_boot, columns)
        self.dropped: str | None = None  # why they were dropped (the warning)

    def _room(self, groups: int, columns: int) -> bool:
        need = groups * self.n_boot * columns * 8
        if need <= MAX_BYTES:
            return True
        self.dropped = (
            f"per-group bootstrap intervals dropped: {groups:,} groups x {self.n_boot:,} "
            f"replicates x {columns} sums need {need / 2**20:,.0f} MB (more than "
            f"{MAX_BYTES // 2**20} MB); lower --n-boot to have them"
        )
        self.sums = []
        return False

    def add(self, counts: np.ndarray, columns: np.ndarray, codes: np.ndarray) -> None:
        """One block: ``counts`` (n_boot, rows), ``columns`` (rows, k), ``codes`` (rows,)."""
        if self.dropped is not None or codes.size == 0:
            return
        k = columns.shape[1]
        top = int(codes.max()) + 1
        if top > len(self.sums):
            if not self._room(top, k):
                return
            self.sums += [np.zeros((self.n_boot, k)) for _ in range(top - len(self.sums))]
        order = np.argsort(codes, kind="stable")
        cuts = np.flatnonzero(np.diff(codes[order])) + 1
        for idx in np.split(order, cuts):
            g = int(codes[idx[0]])
            self.sums[g] += counts[:, idx] @ columns[idx]

    def merge(self, other: GroupBoot, remap: np.ndarray) -> None:
        """Add ``other``'s groups, its code ``j`` being this one's ``remap[j]``."""
        if self.dropped is not None:
            return
        if other.dropped is not None:
            self.dropped, self.sums = other.dropped, []
            return
        if not other.sums:
            return
        k = other.sums[0].shape[1]
        top = max(len(self.sums), int(remap[: len(other.sums)].max()) + 1)
        if top > len(self.sums):
            if not self._room(top, k):
                return
            self.sums += [np.zeros((self.n_boot, k)) for _ in range(top - len(self.sums))]
        for j, sums in enumerate(other.sums):
            self.sums[int(remap[j])] += sums

    def of(self, g: int) -> np.ndarray | None:
        """Group ``g``'s sums, (n_boot, columns); None when dropped or never seen."""
        if self.dropped is not None or g >= len(self.sums):
            return None
        return self.sums[g]
