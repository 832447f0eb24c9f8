"""Paired comparison of two sets of predictions of the same samples (``losscli compare``).

A (the baseline) and B (the candidate) are read in lockstep, chunk by chunk, and each is
scored by the local engine's :class:`~losscli.engines.local.Scorer`; rows are re-cut so
that both sides see the same rows.  When A and B carry their own targets these must agree
row by row.  Both sides keep Poisson bootstrap replicates with the same seed, so replicate
``b`` of A and of B resample the same samples alike: their difference is the paired
bootstrap.  Beside them: the per-sample loss differences (Student's t, randomization), the
samples each side gets right (McNemar), and the scores of a binary ROC AUC (DeLong).

Tests (``--test``): ``auto`` = McNemar's exact test for ``accuracy``, DeLong's test for a
binary ``roc_auc``, the paired bootstrap otherwise; ``bootstrap``; ``randomization``
(approximate randomization: each sample's pair swapped with probability 1/2, ``n_boot``
trials; losses and accuracy, the paired bootstrap elsewhere, said in a note); ``ttest``
(paired Student's t on the per-sample losses; metrics keep their ``auto`` test, said in a
note).  p-values are Holm-adjusted over the figures compared, and a side is ``better`` when
its adjusted p-value is below ``alpha``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import IO, Any

import numpy as np

from losscli.engines import local
from losscli.engines.local import Scorer, conclude, input_chunks, make_settings
from losscli.errors import Contradiction, InputError, UsageError, show, unknown_choice
from losscli.options import EvalOptions
from losscli.report.model import Report
from losscli.scoring.replicates import CiSettings, make_ci
from losscli.stats import intervals as I
from losscli.stats import paired
from losscli.stats.moments import Moments
from losscli.stats.resample import BLOCK, sign_flips
from losscli.validate import whole
from losscli.validate.columns import Raw

TESTS = ("auto", "bootstrap", "randomization", "ttest")


@dataclass
class Difference:
    """One figure of A and B, their paired difference and its test."""

    name: str
    kind: str  # "loss" (its mean) or "metric"
    a: float
    b: float
    delta: float  # b - a
    low: float
    high: float
    p_value: float
    p_holm: float = math.nan
    test: str = ""
    better: str = "neither"  # "a", "b" or "neither"
    direction: str = "lower"

    def to_dict(self) -> dict[str, Any]:
        from losscli.report.numbers import json_num

        return {
            "a": json_num(self.a),
            "b": json_num(self.b),
            "delta": json_num(self.delta),
            "low": json_num(self.low),
            "high": json_num(self.high),
            "p_value": json_num(self.p_value),
            "p_holm": json_num(self.p_holm),
            "test": self.test,
            "better": self.better,
        }

    @property
    def worse_in_b(self) -> bool:
        return self.better == "a"


@dataclass
class Comparison:
    a: Report
    b: Report
    differences: dict[str, Difference]
    alpha: float
    level: float
    notes: list[str] = field(default_factory=list)
    source_a: str = "A"
    source_b: str = "B"

    def to_dict(self) -> dict[str, Any]:
        from losscli import __version__

        return {
            "version": __version__,
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "alpha": self.alpha,
            "level": self.level,
            "differences": {k: d.to_dict() for k, d in self.differences.items()},
            "notes": list(self.notes),
        }

    def failures(self) -> list[str]:
        """One line per figure significantly worse in B (``--fail-if-worse``)."""
        out = []
        for d in self.differences.values():
            if d.worse_in_b:
                out.append(
                    f"{d.name} worse in B: {d.delta:+.4g} [{d.low:.4g}, {d.high:.4g}], "
                    f"p = {d.p_holm:.3g} (Holm-adjusted; {d.test})"
                )
        return out


def _slice(raw: Raw, i: int, j: int) -> Raw:
    return replace(
        raw,
        y=raw.y[i:j],
        p=raw.p[i:j],
        weights=None if raw.weights is None else raw.weights[i:j],
        ids=None if raw.ids is None else raw.ids[i:j],
        unmatched=raw.unmatched if i == 0 else (0, 0),
    )


def _lockstep(
    a: Iterator[Raw], b: Iterator[Raw], names: tuple[str, str]
) -> Iterator[tuple[Raw, Raw]]:
    """Pairs of pieces of A and B with the same rows; sides of different lengths are an
    input error."""
    ra = rb = None
    ia = ib = 0  # rows of the current piece already given out
    seen = 0
    while True:
        if ra is None or ia >= ra.p.shape[0]:
            ra, ia = next(a, None), 0
        if rb is None or ib >= rb.p.shape[0]:
            rb, ib = next(b, None), 0
        if ra is None or rb is None:
            if ra is not None or rb is not None:
                rest = ra if ra is not None else rb
                longer, shorter = (names[0], names[1]) if ra is not None else (names[1], names[0])
                assert rest is not None
                raise InputError(
                    f"{longer} has more rows than {shorter} ({shorter} ends after {seen} rows)",
                    hint="compare scores the same samples: give files of the same rows, or "
                    "align them with --id-col",
                )
            return
        k = min(ra.p.shape[0] - ia, rb.p.shape[0] - ib)
        if k == 0:
            continue
        yield _slice(ra, ia, ia + k), _slice(rb, ib, ib + k)
        ia += k
        ib += k
        seen += k


def _blockwise(pairs: Iterator[tuple[Raw, Raw]], row: int = 0) -> Iterator[tuple[Raw, Raw]]:
    """The pairs cut at the bootstrap's blocks of rows, so that A and B sum each block one
    after the other and share its Poisson counts (drawn once, not once a side); ``row``:
    the row of the input where they begin."""
    for ra, rb in pairs:
        n, i = ra.p.shape[0], 0
        if n <= BLOCK - row % BLOCK:
            row += n
            yield ra, rb
            continue
        while i < n:
            k = min(n - i, BLOCK - row % BLOCK)
            yield _slice(ra, i, i + k), _slice(rb, i, i + k)
            i += k
            row += k


def _same_targets(ya: np.ndarray, yb: np.ndarray) -> int | None:
    """The first row (0-based) where two target arrays part, or None."""
    if ya.shape != yb.shape:
        return 0
    differ: np.ndarray
    if ya.dtype == object or yb.dtype == object:
        cells = [str(x).strip() != str(y).strip() for x, y in zip(ya.ravel(), yb.ravel())]
        differ = np.array(cells, dtype=bool)
    else:
        differ = np.asarray(ya != yb, dtype=bool).ravel()
        if ya.dtype.kind == "f" and yb.dtype.kind == "f":
            differ &= ~(np.isnan(ya) & np.isnan(yb)).ravel()
    bad = np.flatnonzero(differ.reshape(ya.shape[0], -1).any(axis=1))
    return int(bad[0]) if bad.size else None


@dataclass
class _Pairs:
    """What the tests need beside the replicates, accumulated chunk by chunk."""

    trials: int
    seed: int
    d: dict[str, Moments] = field(default_factory=dict)  # per-sample B - A of each loss
    flipped: dict[str, np.ndarray] = field(default_factory=dict)  # Σ s·w·d per trial
    wsum: float = 0.0
    only_a: int = 0  # samples right in A only (accuracy)
    only_b: int = 0
    correct: dict[str, np.ndarray] = field(default_factory=dict)


def _correct(prep: Any) -> np.ndarray:
    from losscli.scoring import losses as L

    t = L.true_labels(prep.task, prep.y)
    q = L.predicted_labels(prep.task, prep.p, threshold=0.5, scores=prep.scores)
    ok = t == q
    return ok.all(axis=1) if ok.ndim == 2 else ok


def check_request(options: EvalOptions, test: str, alpha: float, a: Any, b: Any) -> Any:
    """The checks of a comparison's options (usage errors), for every engine; returns the
    scoring settings of both sides (every figure's replicates, for the paired tests)."""
    if test not in TESTS:
        raise unknown_choice("--test", test, TESTS)
    if not (0.0 < alpha < 1.0):
        raise UsageError(f"--alpha must be between 0 and 1 (exclusive), got {alpha!r}")
    if options.nan_policy != "error":
        raise UsageError(
            "compare needs both sides to score the same samples: --nan-policy "
            f"{options.nan_policy} could drop different rows on each side",
            hint="fill or remove the NaN/inf values first",
        )
    if a is None or b is None:
        raise UsageError("compare takes two prediction sets, A and B")
    base = make_ci(options.ci_level, options.ci_method, options.n_boot, options.seed)
    ci = replace(base, all_figures=True, show=options.ci)
    return replace(make_settings(options), ci=ci)


def compare(
    a: Any,
    b: Any,
    options: EvalOptions,
    *,
    targets: Any = None,
    test: str = "auto",
    alpha: float = 0.05,
    stdin: IO[bytes] | None = None,
    collect: tuple[Any, Any] | None = None,
) -> Comparison:
    """Compare predictions ``b`` (the candidate) with ``a`` (the baseline) on the same
    samples: each a file with targets and predictions, or predictions beside ``targets``.
    ``collect``: A's and B's :class:`~losscli.engines.plotdata.Collector` (``-f html``)."""
    settings = check_request(options, test, alpha, a, b)
    ci = settings.ci

    def chunks(pred: Any) -> Iterator[Raw]:
        return whole.with_head(
            input_chunks(
                targets if targets is not None else pred,
                pred if targets is not None else None,
                options,
                stdin,
            )
        )

    names = (_name(a, "A"), _name(b, "B"))
    again = stdin is None and all(local._rereadable(x) for x in (a, b, targets, options.weights))

    def attempt(given: Any) -> tuple[Scorer, Scorer, _Pairs]:
        # -f html's pictures: gathered afresh on each pass, kept from the one that counts
        used = None if collect is None else (copy.deepcopy(collect[0]), copy.deepcopy(collect[1]))
        out = _score_pair(chunks(a), chunks(b), settings, ci, names, targets, given, test, used)
        if collect is not None and used is not None:
            for mine, got in zip(collect, used):
                mine.__dict__.update(got.__dict__)
        return out

    try:
        sa, sb, pairs = attempt(None)
    except _Reread as r:
        if not again:
            raise r.error from None
        # the whole inputs read otherwise than their first rows: read again with their readings
        sa, sb, pairs = attempt(r.given)
    rep_a = conclude(sa.state, sa.plan, source=names[0], strict=options.strict, weights=None)
    rep_b = conclude(sb.state, sb.plan, source=names[1], strict=options.strict, weights=None)
    if sa.plan.task != sb.plan.task:
        raise InputError(
            f"{names[0]} is scored as a {sa.plan.task} task but {names[1]} as {sb.plan.task}",
            hint="pass --task to score both alike",
        )
    return _conclude(rep_a, rep_b, sa, sb, pairs, test, alpha, ci, names)


class _Reread(Exception):
    """A side's whole input reads otherwise than its first rows: the readings (and
    scores decisions) to read both sides again with, and the error when they cannot be."""

    def __init__(self, given: list[tuple[Any, bool | None]], error: InputError) -> None:
        self.given, self.error = given, error


def _score_pair(
    chunks_a: Iterator[Raw],
    chunks_b: Iterator[Raw],
    settings: Any,
    ci: CiSettings,
    names: tuple[str, str],
    targets: Any,
    given: list[tuple[Any, bool | None]] | None,
    test: str = "auto",
    collect: tuple[Any, Any] | None = None,
    base: int = 0,
) -> tuple[Scorer, Scorer, _Pairs]:
    """One lockstep pass over A and B.  The first pass (``given`` None) takes each side's
    reading on its first rows, as ``eval`` does (:func:`losscli.engines.local.run`), and
    gathers what the whole input shows (:class:`losscli.validate.whole.Facts`); when that
    differs for a side, or a later chunk contradicts the first rows' reading, it raises
    :class:`_Reread` with the whole inputs' readings, so the outcome does not depend on
    ``--chunk-size``.  ``base``: the rows before these (a Dask part), numbering the rows."""
    if given is None:
        sa, sb = Scorer(settings, offset=base), Scorer(settings, offset=base)
    else:
        (ra, ha), (rb, hb) = given
        sa = Scorer(settings, hint=ha, offset=base, reading=ra)
        sb = Scorer(settings, hint=hb, offset=base, reading=rb)
    facts = (whole.Facts(), whole.Facts()) if given is None else None
    # the randomization trials' sign flips: drawn only for --test randomization
    pairs = _Pairs(trials=ci.n_boot if test == "randomization" else 0, seed=ci.seed)
    iters = (iter(chunks_a), iter(chunks_b))
    unlike: InputError | None = None
    try:
        for ra, rb in _blockwise(_lockstep(iters[0], iters[1], names), base):
            if facts is not None:
                facts[0].add(ra)
                facts[1].add(rb)
            first = sa.offset
            if targets is None:
                row = _same_targets(ra.y, rb.y)
                if row is not None:
                    raise InputError(
                        f"the targets of {names[0]} and {names[1]} differ from row "
                        f"{first + row + 1} ({show(ra.y[row])} against {show(rb.y[row])})",
                        hint="compare needs the same samples in the same order: align them "
                        "with --id-col, or give the targets once with --targets",
                    )
            out_a, out_b = sa.feed(ra), sb.feed(rb)
            ra_reps, rb_reps = sa.state.replicates, sb.state.replicates
            if ra_reps is not None and rb_reps is not None and rb_reps.lead is None:
                ra_reps.share_products(rb_reps)  # one matrix product a block for A and B
            if out_a is None or out_b is None or sa.last is None or sb.last is None:
                continue
            if out_a[1].keys() != out_b[1].keys():  # read otherwise: maybe not on the whole
                unlike = unlike or _unlike(sa, sb, names)
                if given is not None:
                    raise unlike
                continue
            _accumulate(pairs, sa.last, sb.last, out_a[1], out_b[1], first)
            if collect is not None:  # the pictures of -f html
                collect[0].add(sa.last, out_a[1], from_logits=sa.logits)
                collect[1].add(sb.last, out_b[1], from_logits=sb.logits)
    except Contradiction as exc:
        if facts is None or sa.reading is None or sb.reading is None:
            raise
        try:  # what the rest of both inputs shows
            for ra, rb in _lockstep(iters[0], iters[1], names):
                facts[0].add(ra)
                facts[1].add(rb)
        except InputError:
            raise exc from None
        found, _ = _whole_readings(settings, (sa, sb), facts)
        if found is None:
            raise
        raise _Reread(found, exc) from None
    if facts is not None and sa.reading is not None and sb.reading is not None:
        found, side = _whole_readings(settings, (sa, sb), facts)
        if found is not None:
            head = (sa, sb)[side].reading
            assert head is not None
            raise _Reread(found, whole.reread_error(head, found[side][0], names[side]))
    if unlike is not None:
        raise unlike
    return sa, sb, pairs


def _unlike(sa: Scorer, sb: Scorer, names: tuple[str, str]) -> InputError:
    """The error when A and B are not read alike (hard labels against scores)."""

    def said(s: Scorer) -> str:
        r = s.reading
        kind = "class labels" if r is not None and r.hard else "scores or probabilities"
        return f"{s.plan.task} {kind}"

    return InputError(
        f"{names[0]} reads as {said(sa)} but {names[1]} as {said(sb)}: they cannot be "
        "compared figure by figure",
        hint="pass -l/-m to choose the figures (and --task) so that both are scored alike",
    )


def _whole_readings(
    settings: Any, scorers: tuple[Scorer, Scorer], facts: tuple[whole.Facts, whole.Facts]
) -> tuple[list[tuple[Any, bool | None]] | None, int]:
    """Each side's whole-input reading and scores decision (its own first rows' where
    they agree) and the first side that differs; None when both agree with their first
    rows."""
    out: list[tuple[Any, bool | None]] = []
    differs = -1
    for i, (scorer, fact) in enumerate(zip(scorers, facts)):
        check = local._Pass(settings, False, None, None, True)
        check.scorer = scorer
        found = check._whole(fact)
        if found is None:
            out.append((scorer.reading, None))
        else:
            differs = i if differs < 0 else differs
            out.append(found)
    return (out if differs >= 0 else None), max(differs, 0)


def _name(x: Any, default: str) -> str:
    import os

    return os.fspath(x) if isinstance(x, (str, os.PathLike)) else default


def _accumulate(
    pairs: _Pairs,
    pa: Any,
    pb: Any,
    la: dict[str, np.ndarray],
    lb: dict[str, np.ndarray],
    first: int,
) -> None:
    n = pa.n
    w = pa.weights
    flips = None
    if pairs.trials:
        s = np.where(sign_flips(pairs.seed, first, n, pairs.trials), -1.0, 1.0)
        flips = s if w is None else s * w
    pairs.wsum += float(n if w is None else np.sum(w))
    for name in la:
        d = lb[name] - la[name]
        pairs.d.setdefault(name, Moments()).update(d)
        if flips is not None:
            add = flips @ d
            pairs.flipped[name] = pairs.flipped.get(name, 0.0) + add
    if pa.task != "regression":
        ca, cb = _correct(pa), _correct(pb)
        pairs.only_a += int(np.count_nonzero(ca & ~cb))
        pairs.only_b += int(np.count_nonzero(cb & ~ca))
        if flips is not None:
            d = cb.astype(np.float64) - ca.astype(np.float64)
            pairs.flipped["accuracy"] = pairs.flipped.get("accuracy", 0.0) + flips @ d


def _conclude(
    ra: Report,
    rb: Report,
    sa: Scorer,
    sb: Scorer,
    pairs: _Pairs,
    test: str,
    alpha: float,
    ci: CiSettings,
    names: tuple[str, str],
) -> Comparison:
    plan = sa.plan
    reps_a, reps_b = sa.state.replicates, sb.state.replicates
    assert reps_a is not None and reps_b is not None
    weighted = sa.state.weighted
    notes: list[str] = []
    out: dict[str, Difference] = {}
    for entry, params in [*plan.losses, *plan.metrics]:
        name, kind = entry.name, entry.kind
        va = ra.losses[name]["mean"] if kind == "loss" else ra.metrics[name]
        vb = rb.losses[name]["mean"] if kind == "loss" else rb.metrics[name]
        delta = vb - va
        chosen = test
        if test == "ttest" and kind != "loss":
            chosen = "auto"
            notes.append(f"{name}: --test ttest applies to losses: its auto test is used")
        if test == "randomization" and not (kind == "loss" or name == "accuracy"):
            chosen = "bootstrap"
            notes.append(f"{name}: no randomization test for it: the paired bootstrap is used")
        if chosen == "auto":
            if name == "accuracy" and not weighted:
                chosen = "mcnemar"
            elif (
                name == "roc_auc"
                and plan.task == "binary"
                and not weighted
                and params.get("max_fpr") in (None, 1)
            ):
                chosen = "delong"  # the whole curve's AUC, not a partial one (max_fpr)
            else:
                chosen = "bootstrap"
        if chosen != "delong":  # DeLong's interval comes with its test: no resampled AUCs
            if kind == "loss":
                draws = reps_b.loss_means(name) - reps_a.loss_means(name)
            else:
                draws = reps_b.metric_values(
                    entry, params, plan.task, sb.state.acc.metrics.get(name)
                ) - reps_a.metric_values(entry, params, plan.task, sa.state.acc.metrics.get(name))
            boot = I.percentile(draws, ci.level)
            low, high = boot.low, boot.high
        if chosen == "mcnemar":
            p = paired.mcnemar_exact(pairs.only_a, pairs.only_b)
        elif chosen == "delong":
            sta, stb = sa.state.acc.metrics[name], sb.state.acc.metrics[name]
            y = np.concatenate(sta.ys).reshape(-1)
            _, p, se = paired.delong_difference(
                y, np.concatenate(sta.ps).reshape(-1), np.concatenate(stb.ps).reshape(-1)
            )
            half = I.z_value(ci.level) * se
            low, high = max(-1.0, delta - half), min(1.0, delta + half)
        elif chosen == "ttest":
            if weighted:
                raise UsageError(
                    "--test ttest is the unweighted paired t-test",
                    hint="use --test bootstrap with --weights",
                )
            m = pairs.d[name]
            _, p = paired.paired_t(m.mean * m.n, m.variance * (m.n - 1) + m.n * m.mean**2, m.n)
            tiv = I.student_t(m.mean, m.variance, m.n, ci.level)
            low, high = tiv.low, tiv.high
        elif chosen == "randomization":
            key = name if kind == "loss" else "accuracy"
            trials = np.asarray(pairs.flipped.get(key, np.zeros(0)), dtype=np.float64)
            p = paired.randomization_p(delta, trials / pairs.wsum)
        else:
            p = paired.bootstrap_p(delta, draws)
        out[name] = Difference(
            name, kind, va, vb, delta, low, high, p, test=chosen, direction=entry.direction
        )
    for d, adj in zip(out.values(), paired.holm([d.p_value for d in out.values()])):
        d.p_holm = adj
        if not math.isnan(adj) and adj < alpha and d.delta != 0:
            b_better = d.delta < 0 if d.direction == "lower" else d.delta > 0
            d.better = "b" if b_better else "a"
    return Comparison(ra, rb, out, alpha, ci.level, notes, names[0], names[1])
