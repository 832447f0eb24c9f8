"""Bootstrap replicates as an accumulator, and the intervals of a report's figures.

A replicate is a set of per-sample weights: the Poisson(1) counts of
:mod:`losscli.stats.resample`, a function of the seed and the sample's row in the input.
:class:`Replicates` is fed every chunk's prepared samples beside the main accumulator and
keeps, per replicate, the weighted sums of every loss and a metric state per metric: sums,
never means, so its memory is ``n_boot`` x the sufficient statistics, flat in the rows.

Chunk invariance is exact, not approximate: rows are buffered into blocks at fixed
positions of the input (``BLOCK`` rows: rows ``0..BLOCK-1``, ``BLOCK..2*BLOCK-1``, ...)
and every block is summed alone, then added in order, so the same input gives the same
bits whatever ``--chunk-size``.  The metrics that keep their samples (ROC AUC, medians)
are resampled at the end, from the main accumulator's samples and the same weights.

:func:`intervals` picks the method of every figure (``--ci-method auto``: Wilson's for
proportions, DeLong's for a binary ROC AUC, Student's t for an unweighted loss mean, the
percentile bootstrap otherwise) and says why where an interval is undefined.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from losscli.scoring.accumulate import Accumulator
from losscli.scoring.blockcounts import block_counts
from losscli.scoring.blockmoments import BlockMoments
from losscli.scoring.blockrows import Pending, Stage, cat, cut, take_rows
from losscli.scoring.cisettings import MAX_BOOT as MAX_BOOT  # (re-exported)
from losscli.scoring.cisettings import METHODS as METHODS
from losscli.scoring.cisettings import CiSettings
from losscli.scoring.cisettings import make_ci as make_ci
from losscli.scoring.groupboot import GroupBoot
from losscli.scoring.linear import Linear
from losscli.scoring.plan import Plan
from losscli.stats import intervals as I
from losscli.stats.moments import Moments
from losscli.stats.resample import BLOCK, poisson_counts
from losscli.validate.prepare import Prepared

_CODES = "\x00group codes"  # the group codes, buffered beside the losses
# figures that are a proportion of samples (Wilson's interval)
PROPORTIONS = frozenset({"accuracy", "zero_one"})


class Replicates:
    """Per-replicate sums of every loss and a metric state per replicate and metric."""

    def __init__(
        self, plan: Plan, *, n_boot: int, seed: int, need_metrics: set[str], grouped: bool = False
    ) -> None:
        from losscli.scoring import metrics as M

        self.n_boot, self.seed = n_boot, seed
        # --group-by: the replicates of every group too (None: not asked, or no replicates)
        self.by_group = GroupBoot(n_boot) if grouped and n_boot else None
        self.loss_sum = {e.name: np.zeros(n_boot) for e, _ in plan.losses}
        self.loss_weight = {e.name: np.zeros(n_boot) for e, _ in plan.losses}
        self.moments = {e.name: Moments() for e, _ in plan.losses}
        # the mean metrics' per-sample values (Student's t, then ``finalize``: rmse)
        self.mean_metrics = {
            e.name: Linear(e, p, M.make_state(e))
            for e, p in plan.metrics
            if e.state == "mean" and e.name not in PROPORTIONS
        }
        for name in self.mean_metrics:
            self.moments[name] = Moments()
        # metrics resampled block by block (not the sample-keeping ones: at the end); the
        # states linear in the weights (means, confusion counts) as (n_boot, ...) arrays
        self.linear: dict[str, Linear] = {}
        streamed = []
        for e, p in plan.metrics:
            if e.name not in need_metrics:
                continue
            state = M.make_state(e)
            if Linear.applies(state, plan.task):
                self.linear[e.name] = Linear(e, p, state, n_boot)
            elif not isinstance(state, M.SampleState):
                streamed.append((e, p))
        self.plan = replace(plan, losses=[], metrics=streamed)
        self.accs = [Accumulator() for _ in range(n_boot)] if streamed else []
        self.sample_rows: list[np.ndarray] = []  # rows of the main accumulator's samples
        self.pending = Pending()
        # compare: A's products wait for B's (``paired``), B's are made with A's (``lead``)
        self.paired = False
        self.lead: Replicates | None = None
        self.staged: Stage | None = None
        # (no replicates) the moments summed by blocks straight from the chunks
        self.blocks = BlockMoments(self.moments)
        self.block = 0  # the next block to sum
        # how a block's product is laid out: weighted, the linear metrics' column widths
        self.layout: tuple[bool, list[list[int]]] = (False, [])
        self.class_weights = {
            e.name: np.asarray(p["class_weight"], dtype=np.float64)
            for e, p in plan.losses
            if p.get("class_weight") is not None
        }

    @classmethod
    def start(
        cls,
        plan: Plan,
        ci: CiSettings,
        *,
        weighted: bool,
        first_row: int = 0,
        grouped: bool = False,
    ) -> Replicates:
        """Replicates for the figures whose interval is the bootstrap's (none: no
        resampling at all, only the moments of Student's t); ``first_row``: the row of
        the input where the piece fed to them begins (a Dask part)."""
        need = wants_bootstrap(plan, ci, weighted)
        if ci.all_figures:
            need = {e.name for e, _ in [*plan.losses, *plan.metrics]}
        n_boot = ci.n_boot if need else 0
        reps = cls(plan, n_boot=n_boot, seed=ci.seed, need_metrics=need, grouped=grouped)
        reps.block = first_row // BLOCK
        return reps

    def share_products(self, b: Replicates) -> None:
        """compare: the replicates of B (fed each block right after this one, with the
        same counts) make their matrix products with this one's, in one product."""
        if self.n_boot and b.n_boot and b.lead is None:
            self.paired, b.lead = True, self

    def merge(self, other: Replicates, remap: np.ndarray | None = None) -> Replicates:
        """Add the replicates of the piece of input after this one's (both finished:
        no row pending; ``remap``: its group codes as this one's).  A block shared by the
        two pieces is then summed in two parts (equal to one sum to rounding, not bit
        for bit)."""
        self._flush()
        other._flush()
        if self.by_group is not None and other.by_group is not None and remap is not None:
            self.by_group.merge(other.by_group, remap)
        for name, total in other.loss_sum.items():
            self.loss_sum[name] += total
            self.loss_weight[name] += other.loss_weight[name]
        for name, m in other.moments.items():
            self.moments[name].merge(m)
        for name, lin in self.linear.items():
            lin.merge(other.linear[name])
        for mine, theirs in zip(self.accs, other.accs):
            mine.merge(theirs)
        self.sample_rows += other.sample_rows
        self.block = max(self.block, other.block)
        return self

    # -- feeding
    def add(
        self,
        prep: Prepared,
        rows: np.ndarray,
        losses: dict[str, np.ndarray],
        rows_read: int,
        codes: np.ndarray | None = None,
    ) -> None:
        """One chunk's prepared samples (``rows``: their 0-based rows in the input) and
        per-sample losses; ``rows_read``: the rows of the input read so far; ``codes``:
        the samples' group codes (``--group-by``)."""
        if not self.n_boot:  # no figure takes the bootstrap: Student's t moments only
            self._moments_only(prep, np.asarray(rows, dtype=np.int64), losses, rows_read)
            return
        self.sample_rows.append(np.asarray(rows, dtype=np.int64))
        if self.by_group is not None and codes is not None:
            losses = {**losses, _CODES: np.asarray(codes)}  # buffered with the rows
        if prep.n:  # (a chunk whose rows were all omitted adds none)
            rows = np.asarray(rows, dtype=np.int64)
            # cut once at the blocks' bounds (views, no copies): each piece in one block
            lo, hi = int(rows[0]) // BLOCK, int(rows[-1]) // BLOCK
            cuts = np.searchsorted(rows, np.arange(lo + 1, hi + 1, dtype=np.int64) * BLOCK)
            edges = [0, *cuts.tolist(), rows.size]
            for i, j in zip(edges[:-1], edges[1:]):
                if j > i:
                    piece = prep if (i, j) == (0, rows.size) else cut(prep, i, j)
                    sub = {k: v[i:j] for k, v in losses.items()}
                    self.pending.parts.append((piece, rows[i:j], sub))
        while (self.block + 1) * BLOCK <= rows_read:
            self._sum_block(self.block)
            self.block += 1

    def _moments_only(
        self, prep: Prepared, rows: np.ndarray, losses: dict[str, np.ndarray], rows_read: int
    ) -> None:
        """The moments of every loss and mean metric, summed by blocks of rows as
        :meth:`_sum_block` sums them (the same bits), straight from the chunk: no
        replicate, no buffered copy of the samples but the last incomplete block's values."""
        values = {name: losses[name] for name in self.loss_sum}
        for name, lin in self.mean_metrics.items():
            if self.moments[name].n < 0:
                continue
            per = lin.per_sample(prep) if prep.n else np.zeros((0, 1))
            if per.shape[1] == 1:
                values[name] = per[:, 0]
            else:  # several outputs: no one mean to give an interval of
                self.moments[name].n = -1
        self.blocks.add(rows, values, rows_read)

    def finish(self, rows_read: int) -> None:
        self.blocks.finish()
        if not self.n_boot:
            self.block = max(self.block, -(-rows_read // BLOCK))
            return
        while self.block * BLOCK < rows_read:
            self._sum_block(self.block)
            self.block += 1
        self._flush()

    def _take(self, block: int) -> tuple[Prepared, np.ndarray, dict[str, np.ndarray]] | None:
        """The buffered rows of ``block``, removed from the buffer."""
        end = (block + 1) * BLOCK
        parts = self.pending.parts  # in row order, each piece inside one block (``add``)
        n = 0
        while n < len(parts) and int(parts[n][1][-1]) < end:
            n += 1
        took, self.pending.parts = parts[:n], parts[n:]
        if not took:
            return None
        first = took[0][0]
        prep = replace(
            first,
            y=np.concatenate([t[0].y for t in took]),
            p=np.concatenate([t[0].p for t in took]),
            weights=cat([t[0].weights for t in took]),
            labels=cat([t[0].labels for t in took]),
            ids=None,
            rows=None,
        )
        rows = np.concatenate([t[1] for t in took])
        losses = {k: np.concatenate([t[2][k] for t in took]) for k in took[0][2]}
        return prep, rows, losses

    def _sum_block(self, block: int) -> None:
        self._flush()  # (a product still staged: its partner never came)
        got = self._take(block)
        if got is None:
            return
        prep, rows, losses = got
        codes = losses.pop(_CODES, None)
        start = block * BLOCK
        whole = rows.size == BLOCK  # every row of the block (no gap, no omitted row)
        # drawn once for both sides of compare, the next block drawn meanwhile
        wf = block_counts(self.seed, start, self.n_boot, ahead=whole)
        if not whole:
            wf = wf[:, rows - start]
        base = prep.weights
        # every figure's per-sample columns side by side: one matrix product per block
        # (n_boot x rows) @ (rows x columns) for all the sums of all the replicates
        pieces: list[np.ndarray] = [np.ones((rows.size, 1))]  # the resampled sample count
        for name in self.loss_sum:
            values = losses[name]
            self.moments[name].add_blocks(values, [0, values.size], BLOCK)
            w = base
            if name in self.class_weights:
                factor = prep.y @ self.class_weights[name]
                w = factor if base is None else factor * base
            if w is None:  # NaN/inf (--nan-policy propagate) make the replicate NaN
                pieces += [values[:, None]]
            else:
                pieces += [np.where(w > 0, values * w, 0.0)[:, None], w[:, None]]
        for name, lin in self.mean_metrics.items():
            per = lin.per_sample(prep)
            if per.shape[1] == 1:
                self.moments[name].add_blocks(per[:, 0], [0, per.shape[0]], BLOCK)
            else:  # several outputs: no one mean to give an interval of
                self.moments[name].n = -1
        linear = [lin.columns(prep, base) for lin in self.linear.values()]
        self.layout = (base is not None, [[c.shape[1] for c in cols] for cols in linear])
        for contributions in linear:
            pieces += contributions
        columns = np.concatenate(pieces, axis=1)
        stage = Stage(block, wf, columns, prep, codes)
        lead = self.lead
        if self.paired:  # compare's A: its product waits for B's (the same block)
            self.staged = stage
        elif lead is not None and lead.staged is not None and lead.staged.wf is wf:
            # compare's B: one product for both sides, the counts read once (each column
            # the same dot products as alone)
            theirs, lead.staged = lead.staged, None
            k = theirs.columns.shape[1]
            product = wf @ np.concatenate([theirs.columns, columns], axis=1)
            lead._absorb(theirs, product[:, :k])
            self._absorb(stage, product[:, k:])
        else:
            self._absorb(stage, wf @ columns)

    def _flush(self) -> None:
        """The product staged for the other side of compare, summed alone."""
        if self.staged is not None:
            stage, self.staged = self.staged, None
            self._absorb(stage, stage.wf @ stage.columns)

    def _absorb(self, stage: Stage, product: np.ndarray) -> None:
        """Add a block's product (replicates x columns) and the streamed metrics."""
        wf, prep, codes = stage.wf, stage.prep, stage.codes
        n_in, sums, mixed = self._split(product)
        for name, (total, weight) in sums.items():
            self.loss_sum[name] += total
            self.loss_weight[name] += weight
        for lin, cols in zip(self.linear.values(), mixed):
            lin.absorb(cols)
        if codes is not None and self.by_group is not None:
            self.by_group.add(wf, stage.columns, codes)
        if not self.accs:
            return
        from losscli.scoring.score import update

        base = prep.weights
        for b, acc in enumerate(self.accs):
            idx = np.flatnonzero(wf[b])
            if idx.size == 0:
                continue
            c = wf[b, idx]
            w = c if base is None else c * base[idx]
            update(acc, take_rows(prep, idx, w), self.plan)

    def _split(
        self, mixed: np.ndarray
    ) -> tuple[np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]], list[list[np.ndarray]]]:
        """The product's columns as :meth:`_sum_block` laid them: the resampled sample
        count, every loss's (sum, weight), every linear metric's mixed columns."""
        at = 0

        def take(k: int) -> np.ndarray:
            nonlocal at
            at += k
            return mixed[:, at - k : at]

        weighted, widths = self.layout
        n_in = take(1)[:, 0]
        sums = {}
        for name in self.loss_sum:
            total = take(1)[:, 0]
            given = weighted or name in self.class_weights
            sums[name] = (total, take(1)[:, 0] if given else n_in)
        out = [[take(k) for k in ks] for ks in widths]
        return n_in, sums, out

    def group_values(
        self, entry: Any, params: dict[str, Any], task: str, g: int
    ) -> np.ndarray | None:
        """Replicate values of one loss mean or linear metric in group ``g`` (None: the
        per-group replicates do not give it)."""
        from copy import copy

        from losscli.scoring import metrics as M

        if self.by_group is None:
            return None
        sums = self.by_group.of(g)
        name = entry.name
        if sums is None or not (name in self.loss_sum or name in self.linear):
            return None
        _, losses, mixed = self._split(sums)
        if name in losses:
            total, weight = losses[name]
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(weight > 0, total / weight, np.nan)
        i = list(self.linear).index(name)
        lin = copy(self.linear[name])
        lin.sums = lin.weights = lin.seen = None
        lin.slots = 0
        lin.absorb(mixed[i])
        return lin.values(M.Ctx(task, False, params))

    # -- figures
    def loss_means(self, name: str) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(
                self.loss_weight[name] > 0, self.loss_sum[name] / self.loss_weight[name], np.nan
            )

    def metric_values(self, entry: Any, params: dict[str, Any], task: str, main: Any) -> np.ndarray:
        """Replicate values of one metric; ``main``: its state in the main accumulator."""
        from losscli.scoring import metrics as M

        ctx = M.Ctx(task, False, params)
        out = np.full(self.n_boot, np.nan)
        if entry.name in self.linear:
            return self.linear[entry.name].values(ctx)
        if isinstance(main, M.SampleState):
            for b in range(self.n_boot):
                out[b] = self._resampled(main, b).explain(ctx)[0]
            return out
        for b, acc in enumerate(self.accs):
            state = acc.metrics.get(entry.name)
            if state is not None:
                out[b] = state.explain(ctx)[0]
        return out

    def _resampled(self, main: Any, b: int) -> Any:
        """A copy of a sample-keeping state whose weights are replicate ``b``'s."""
        ws = []
        for w, rows in zip(main.ws, self.sample_rows):
            lo = int(rows[0]) if rows.size else 0
            span = int(rows[-1]) - lo + 1 if rows.size else 0
            counts = poisson_counts(self.seed, b, lo, span)[rows - lo].astype(np.float64)
            ws.append(counts if isinstance(w, int) else counts * w)
        return replace(main, ws=ws)


def wants_bootstrap(plan: Plan, ci: CiSettings, weighted: bool) -> set[str]:
    """The figures whose interval is the bootstrap's (see :func:`choose`)."""
    return {
        e.name
        for e, p in [*plan.losses, *plan.metrics]
        if choose(e, p, plan.task, ci.method, weighted)[0] == "bootstrap"
    }


def choose(
    entry: Any, params: dict[str, Any], task: str, method: str, weighted: bool
) -> tuple[str, str | None]:
    """(method, note): the interval method of one figure under ``--ci-method``; the note
    says when ``analytic`` has no closed form for the figure."""
    if method == "bootstrap":
        return "bootstrap", None
    analytic: str | None = None
    if not weighted:
        if entry.name in PROPORTIONS:
            analytic = "wilson"
        elif entry.name == "roc_auc" and task == "binary" and params.get("max_fpr") in (None, 1):
            analytic = "delong"  # the whole curve's AUC (not McClish's partial one)
        elif entry.kind == "loss" and params.get("class_weight") is None:
            analytic = "t"
        elif (
            entry.kind == "metric" and entry.state == "mean" and entry.finalize in (None, math.sqrt)
        ):
            analytic = "t"  # a mean of per-sample values (rmse: the root of the interval)
    if analytic is not None:
        return analytic, None
    if method == "analytic":
        why = "weighted samples" if weighted else "no closed form"
        return "bootstrap", f"{entry.name}: no analytic interval ({why}): bootstrap used"
    return "bootstrap", None


def intervals(
    acc: Accumulator,
    reps: Replicates | None,
    plan: Plan,
    figures: dict[str, float],
    ci: CiSettings,
    weighted: bool,
) -> tuple[dict[str, I.Interval], list[str], list[str]]:
    """(interval of every loss mean and metric, warnings, notes)."""
    out: dict[str, I.Interval] = {}
    warnings: list[str] = []
    notes: list[str] = []
    for entry, params in [*plan.losses, *plan.metrics]:
        name = entry.name
        method, note = choose(entry, params, plan.task, ci.method, weighted)
        if note:
            notes.append(note)
        value = figures.get(name, math.nan)
        iv = _one(acc, reps, plan, entry, params, method, value, ci)
        out[name] = iv
        reason = _degenerate(iv, value, acc, reps, name, method)
        if reason:
            warnings.append(f"interval of {name} {reason}")
    return out, warnings, notes


def _one(
    acc: Accumulator,
    reps: Replicates | None,
    plan: Plan,
    entry: Any,
    params: dict[str, Any],
    method: str,
    value: float,
    ci: CiSettings,
) -> I.Interval:
    name, level = entry.name, ci.level
    n = acc.n_samples  # the samples scored (omitted rows are not counted)
    if method == "wilson":
        if not math.isfinite(value):
            return I.Interval(math.nan, math.nan, level, "wilson")
        return I.wilson(round(value * n), n, level)
    if method == "delong":
        state = acc.metrics[name]
        y = np.concatenate(state.ys)
        p = np.concatenate(state.ps)
        return I.delong(y.reshape(-1), p.reshape(-1), level)
    if method == "t":
        assert reps is not None
        m = reps.moments[name]
        if m.n < 0:  # a mean metric of several outputs
            return I.Interval(math.nan, math.nan, level, "t")
        iv = I.student_t(m.mean, m.variance, m.n, level)
        if m.min >= 0.0 and iv.low < 0.0:  # a mean of non-negative losses is not negative
            iv = replace(iv, low=0.0)
        if entry.kind == "metric" and entry.finalize is math.sqrt:  # monotone: bounds map
            iv = replace(iv, low=math.sqrt(max(iv.low, 0.0)), high=math.sqrt(max(iv.high, 0.0)))
        return iv
    assert reps is not None
    if entry.kind == "loss":
        values = reps.loss_means(name)
    else:
        values = reps.metric_values(entry, params, plan.task, acc.metrics.get(name))
    return I.percentile(values, level)


def _degenerate(
    iv: I.Interval, value: float, acc: Accumulator, reps: Replicates | None, name: str, method: str
) -> str | None:
    """Why an interval is undefined or has no width, or None."""
    n = acc.n_samples
    if math.isnan(iv.low) or math.isnan(iv.high):
        if n < 2:
            return "is undefined: one sample"
        if not math.isfinite(value):
            return "is undefined: the figure is undefined"
        return "is undefined: no resample defines the figure"
    if iv.low == iv.high:
        if method == "t":
            return "has zero width: every per-sample value is equal"
        return "has zero width: every resample gives the same value"
    return None


def group_intervals(
    groups: list[dict[str, Any]],
    state: Any,
    plan: Plan,
    ci: CiSettings,
    weighted: bool,
    reps: Replicates | None = None,
) -> list[str]:
    """Every group's intervals (into ``groups``), by the method the whole input's figure
    gets (:func:`choose`): the closed forms (Wilson, Student's t, DeLong) from the groups'
    sums, the percentile bootstrap from the per-group replicates (:mod:`.groupboot`) for
    the loss means and the linear metrics; a figure that has neither gets none, said once."""
    level = ci.level
    none_for: list[str] = []
    by_group = None if reps is None else reps.by_group
    for g_index, g in enumerate(groups):
        found: dict[str, I.Interval] = {}
        n = g["n_samples"]
        for entry, params in [*plan.losses, *plan.metrics]:
            method, _ = choose(entry, params, plan.task, ci.method, weighted)
            name = entry.name
            value = g["losses"][name]["mean"] if entry.kind == "loss" else g["metrics"][name]
            if method == "wilson" and math.isfinite(value):
                found[name] = I.wilson(round(value * n), n, level)
            elif method == "t":
                mean, var, count = state.moments(name, g_index)
                iv = I.student_t(mean, var, count, level)
                found[name] = iv
            elif method == "delong":
                y, p = state.samples(name, g_index)
                found[name] = I.delong(y, p, level)
            elif method == "bootstrap" and reps is not None:
                values = reps.group_values(entry, params, plan.task, g_index)
                if values is not None:
                    found[name] = I.percentile(values, level)
                elif name not in none_for:
                    none_for.append(name)
            elif name not in none_for:
                none_for.append(name)
        g["intervals"] = found
    out = []
    if by_group is not None and by_group.dropped is not None:
        out.append(by_group.dropped)
    if none_for:
        out.append(
            f"per-group intervals: none for {', '.join(none_for)} (no closed form, and the "
            "per-group bootstrap covers loss means, means and confusion-matrix metrics only)"
        )
    return out
