"""Per-group figures (``--group-by``) as an accumulator: sums per group, never means.

Groups get codes in the order they first appear in the input.  Every chunk is folded in
with one ``bincount`` per quantity: the losses' weighted sums, the metrics whose state is
linear in the weights (means, confusion counts; :class:`~losscli.scoring.linear.Linear`),
and the shifted moments of the per-sample losses (Student's t).  The other streamed
metrics (R², maxima) keep one state per group, fed the group's rows; the metrics that keep
their samples (ROC AUC, medians) keep the group code of every sample beside the main
accumulator's samples and split them at the end.  Memory grows with the number of groups,
not of rows.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from losscli.errors import InputError
from losscli.scoring.accumulate import Accumulator
from losscli.scoring.linear import Linear, _grow
from losscli.scoring.plan import Plan
from losscli.validate.prepare import Prepared


def _bins(codes: np.ndarray, x: np.ndarray, size: int) -> np.ndarray:
    """Per-group sums of the columns of ``x`` (n, k) -> (size, k)."""
    x = x.reshape(x.shape[0], -1)
    return np.stack(
        [np.bincount(codes, weights=x[:, k], minlength=size) for k in range(x.shape[1])], axis=1
    )


class Groups:
    def __init__(self, plan: Plan, *, source: str = "--group-by") -> None:
        from losscli.scoring import metrics as M

        self.plan, self.source = plan, source
        self.codes: dict[Any, int] = {}
        self.remapped: np.ndarray | None = None  # the last merged piece's codes as these
        self._known: np.ndarray | None = None  # sorted keys seen, and their codes
        self._known_codes = np.zeros(0, dtype=np.intp)
        self.values: list[Any] = []
        self.count = np.zeros(0, dtype=np.int64)
        self.loss_sum: dict[str, np.ndarray] = {}
        self.loss_weight: dict[str, np.ndarray] = {}
        self.shift: dict[str, np.ndarray] = {}  # per group: the first value of each loss
        self.s1: dict[str, np.ndarray] = {}
        self.s2: dict[str, np.ndarray] = {}
        self.linear: dict[str, Linear] = {}
        generic = []
        self.sampled: list[str] = []
        for e, p in plan.metrics:
            state = M.make_state(e)
            if Linear.applies(state, plan.task):
                self.linear[e.name] = Linear(e, p, state)
            elif isinstance(state, M.SampleState):
                self.sampled.append(e.name)
            else:
                generic.append((e, p))
        self.generic_plan = replace(plan, losses=[], metrics=generic)
        self.generic: dict[int, Accumulator] = {}
        self.sample_codes: list[np.ndarray] = []
        self._main: dict[str, Any] = {}
        self.class_weights = {
            e.name: np.asarray(p["class_weight"], dtype=np.float64)
            for e, p in plan.losses
            if p.get("class_weight") is not None
        }

    def _encode(self, values: np.ndarray, first_row: int) -> np.ndarray:
        """Group codes of one chunk's values; new groups numbered in order of appearance.
        Text is stripped, whole numbers are integers; a missing value is an input error."""
        v = np.asarray(values)
        if v.dtype.kind in "fc":
            bad = np.isnan(v.real)
            whole = np.isfinite(v.real) & (v.real == np.round(v.real))
            keys: np.ndarray = v.real if not whole.all() else v.real.astype(np.int64)
        elif v.dtype.kind in "iub":
            bad = np.zeros(v.shape[0], dtype=bool)
            keys = v.astype(np.int64)
        else:
            none = np.array([x is None for x in v], dtype=bool) if v.dtype == object else None
            keys = np.char.strip(v.astype(str))
            bad = keys == ""
            if none is not None:
                bad |= none
        if bad.any():
            raise InputError(
                "missing group value (an empty cell)",
                file=self.source,
                row=first_row + int(np.argmax(bad)) + 1,
                hint="every row needs a value under --group-by",
            )
        uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        local = np.full(uniq.shape[0], -1, dtype=np.intp)
        known = self._known
        if known is not None and known.dtype.kind == uniq.dtype.kind:
            pos = np.searchsorted(known, uniq)
            pos_c = np.minimum(pos, max(known.shape[0] - 1, 0))
            hit = (pos < known.shape[0]) & (known[pos_c] == uniq)
            local[hit] = self._known_codes[pos_c[hit]]
        codes = self.codes
        for j in np.argsort(first, kind="stable"):  # new groups in order of appearance
            if local[j] >= 0:
                continue
            k = uniq[j].item()
            c = codes.get(k)
            if c is None:
                c = codes[k] = len(self.values)
                self.values.append(k)
            local[j] = c
        # the sorted keys seen so far, to look the next chunk's up at C speed
        merged = uniq if known is None or known.dtype.kind != uniq.dtype.kind else None
        if merged is None:
            assert known is not None
            allk = np.concatenate([known, uniq])
            allc = np.concatenate([self._known_codes, local])
            keep, idx = np.unique(allk, return_index=True)
            self._known, self._known_codes = keep, allc[idx]
        else:
            self._known, self._known_codes = uniq, local.copy()
        return local[inverse.reshape(-1)]

    def add(
        self, prep: Prepared, groups: np.ndarray, losses: dict[str, np.ndarray], first_row: int
    ) -> np.ndarray | None:
        """One chunk: ``groups`` the group value of each prepared sample; their codes."""
        if prep.n == 0:
            return None
        codes = self._encode(np.asarray(groups), first_row)
        size = len(self.values)
        self.count = _grow(self.count[:, None], np.bincount(codes, minlength=size)[:, None])[:, 0]
        base = prep.weights
        for name, v in losses.items():
            w = base
            if name in self.class_weights:
                factor = prep.y @ self.class_weights[name]
                w = factor if base is None else factor * base
            ww = np.ones(prep.n) if w is None else w
            prod = np.where(ww > 0, v * ww, 0.0)
            self.loss_sum[name] = _grow(self.loss_sum.get(name), _bins(codes, prod, size))
            self.loss_weight[name] = _grow(self.loss_weight.get(name), _bins(codes, ww, size))
            # the shift of a new group: its first value (keeps Σ(x - c)² free of cancellation)
            old = self.shift.get(name, np.zeros(0))
            shift = np.concatenate([old, np.zeros(size - old.size)])
            if size > old.size:
                new = codes >= old.size
                firsts = np.full(size, np.nan)
                idx = np.flatnonzero(new)
                firsts[codes[idx[::-1]]] = v[idx[::-1]]  # the first row of each new group
                shift[old.size :] = np.nan_to_num(firsts[old.size :])
            self.shift[name] = shift
            d = v - shift[codes]
            self.s1[name] = _grow(self.s1.get(name), _bins(codes, d, size))
            self.s2[name] = _grow(self.s2.get(name), _bins(codes, d * d, size))

        def mix(x: np.ndarray) -> np.ndarray:
            return _bins(codes, x.astype(np.float64), size)

        for lin in self.linear.values():
            lin.update(prep, base, mix)
        if self.sampled:
            self.sample_codes.append(codes)
        if self.generic_plan.metrics:
            from losscli.scoring.score import update

            order = np.argsort(codes, kind="stable")
            cuts = np.flatnonzero(np.diff(codes[order])) + 1
            for part in np.split(order, cuts):
                g = int(codes[part[0]])
                sub = replace(
                    prep,
                    y=prep.y[part],
                    p=prep.p[part],
                    weights=None if base is None else base[part],
                    labels=None if prep.labels is None else prep.labels[part],
                    ids=None,
                    rows=None,
                    warnings=[],
                    notes=[],
                )
                update(self.generic.setdefault(g, Accumulator()), sub, self.generic_plan)
        return codes

    def merge(self, other: Groups) -> Groups:
        """Add the groups of the piece of input after this one's: its codes mapped to
        this one's (its new groups numbered next, in its order of appearance, as one
        pass over both pieces numbers them), its moments re-expressed about this one's
        shifts (:mod:`losscli.stats.moments`)."""
        if not other.values:
            return self
        remap = np.empty(len(other.values), dtype=np.intp)
        old_size = len(self.values)
        for j, value in enumerate(other.values):
            c = self.codes.get(value)
            if c is None:
                c = self.codes[value] = len(self.values)
                self.values.append(value)
            remap[j] = c
        size = len(self.values)

        def place(x: np.ndarray) -> np.ndarray:
            out = np.zeros((size, *x.shape[1:]), dtype=x.dtype)
            out[remap[: x.shape[0]]] = x
            return out

        self.count = _grow(self.count[:, None], place(other.count[:, None]))[:, 0]
        n = other.count.astype(np.float64)
        for name in other.loss_sum:
            self.loss_sum[name] = _grow(self.loss_sum.get(name), place(other.loss_sum[name]))
            self.loss_weight[name] = _grow(
                self.loss_weight.get(name), place(other.loss_weight[name])
            )
            mine = self.shift.get(name, np.zeros(0))
            shift = np.concatenate([mine, np.zeros(size - mine.size)])
            new = remap >= old_size
            shift[remap[new]] = other.shift[name][new]
            delta = other.shift[name] - shift[remap]
            s1, s2 = other.s1[name][:, 0], other.s2[name][:, 0]
            moved_s2 = s2 + 2.0 * delta * s1 + n * delta * delta
            moved_s1 = s1 + n * delta
            self.shift[name] = shift
            self.s1[name] = _grow(self.s1.get(name), place(moved_s1[:, None]))
            self.s2[name] = _grow(self.s2.get(name), place(moved_s2[:, None]))
        for name, lin in self.linear.items():
            lin.merge(other.linear[name], place)
        for g, acc in other.generic.items():
            target = int(remap[g])
            if target in self.generic:
                self.generic[target].merge(acc)
            else:
                self.generic[target] = acc
        self.sample_codes += [remap[c] for c in other.sample_codes]
        self._known = None  # looked up by ``codes`` from now on
        self.remapped = remap  # for the per-group replicates (Replicates.merge)
        return self

    # -- figures
    def figures(self, acc: Accumulator) -> list[dict[str, Any]]:
        """Per group, in order of first appearance: value, n_samples, losses, metrics."""
        from losscli.scoring import metrics as M

        plan = self.plan
        ctx_of = {e.name: M.Ctx(plan.task, False, p) for e, p in plan.metrics}
        linear = {n: lin.values(ctx_of[n]) for n, lin in self.linear.items()}
        self._main = {n: acc.metrics[n] for n in self.sampled}
        sampled = {n: self._sampled(acc, n, ctx_of[n]) for n in self.sampled}
        out = []
        for g, value in enumerate(self.values):
            losses = {}
            for e, _ in plan.losses:
                s = float(self.loss_sum[e.name][g, 0])
                w = float(self.loss_weight[e.name][g, 0])
                losses[e.name] = {"mean": s / w if w > 0 else math.nan, "sum": s}
            metrics: dict[str, float] = {}
            for e, _ in plan.metrics:
                if e.name in linear:
                    metrics[e.name] = float(linear[e.name][g])
                elif e.name in sampled:
                    metrics[e.name] = float(sampled[e.name][g])
                else:
                    state = self.generic[g].metrics.get(e.name)
                    metrics[e.name] = (
                        math.nan if state is None else float(state.explain(ctx_of[e.name])[0])
                    )
            out.append(
                {
                    "group": value,
                    "n_samples": int(self.count[g]),
                    "losses": losses,
                    "metrics": metrics,
                }
            )
        return out

    def _sampled(self, acc: Accumulator, name: str, ctx: Any) -> np.ndarray:
        """A sample-keeping metric per group: the main state's samples split by code."""
        state = acc.metrics[name]
        codes = np.concatenate(self.sample_codes) if self.sample_codes else np.zeros(0, np.intp)
        ys = np.concatenate(state.ys)
        ps = np.concatenate(state.ps) if state.ps else None
        ws = state._weights()
        out = np.full(len(self.values), np.nan)
        order = np.argsort(codes, kind="stable")
        cuts = np.flatnonzero(np.diff(codes[order])) + 1
        with np.errstate(all="ignore"):
            for part in np.split(order, cuts) if order.size else []:
                g = int(codes[part[0]])
                sub = replace(
                    state,
                    ys=[ys[part]],
                    ps=[] if ps is None else [ps[part]],
                    ws=[ws[part]],
                )
                out[g] = sub.explain(ctx)[0]
        return out

    def samples(self, name: str, g: int) -> tuple[np.ndarray, np.ndarray]:
        """The targets and scores of group ``g`` in a sample-keeping metric (DeLong)."""
        state = self._main[name]
        codes = np.concatenate(self.sample_codes)
        mask = codes == g
        return np.concatenate(state.ys).reshape(-1)[mask], np.concatenate(state.ps).reshape(-1)[
            mask
        ]

    def moments(self, name: str, g: int) -> tuple[float, float, int]:
        """(mean, unbiased variance, n) of loss ``name``'s per-sample values in group ``g``."""
        n = int(self.count[g])
        s1, s2 = float(self.s1[name][g, 0]), float(self.s2[name][g, 0])
        mean = float(self.shift[name][g]) + s1 / n if n else math.nan
        var = max(s2 - s1 * s1 / n, 0.0) / (n - 1) if n > 1 else math.nan
        return mean, var, n
