"""Decisions about the whole input, whatever ``--chunk-size``.

The reading of the input (task, hard labels, classes; see :mod:`.labels`) and the
scores-or-probabilities decision are taken on its first :data:`HEAD_ROWS` rows, gathered
from as many chunks as it takes (:func:`with_head`), so the chunk size never changes them.
What the rest of the input could contradict is summed up as it streams by
(:class:`Facts`, bounded memory): the distinct target and prediction values (up to
:data:`CAP` of each), their extremes, a value that is not an integer, whether a prediction
lies outside [0, 1].  :meth:`Facts.reading` is the reading those facts give, the one the
whole input supports; the engine compares it with the first rows' reading and, when they
differ, reads the input again with it (or, when the input cannot be read again, stops
with an error naming the flag that settles it).
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from losscli.errors import Contradiction, InputError, show
from losscli.validate.columns import Raw, cell_hint, is_number
from losscli.validate.labels import Reading, Request, _missing, _name, read
from losscli.validate.roles import SAMPLE_ROWS
from losscli.validate.tasks import distinct as sorted_distinct

HEAD_ROWS = SAMPLE_ROWS  # rows the first decisions are taken on (the roles' sample too)
CAP = 1000  # distinct values kept of each side: more is "many" (a regression's numbers)


def _cut(raw: Raw, start: int, stop: int | None) -> Raw:
    """Rows ``start:stop`` of ``raw`` (every per-row array cut alike)."""

    def cut(a: Any) -> Any:
        return None if a is None else a[start:stop]

    return replace(
        raw,
        y=raw.y[start:stop],
        p=raw.p[start:stop],
        weights=cut(raw.weights),
        ids=cut(raw.ids),
        groups=cut(raw.groups),
        kept_targets=None,
        unmatched=raw.unmatched if start == 0 else (0, 0),
        complete=False,
        head_rows=None,
    )


def parts(raw: Raw) -> Iterator[Raw]:
    """A chunk as it is scored: its first ``head_rows`` rows, then the rest, when
    :func:`with_head` gave it whole (the pieces it would have cut: the first decisions, and
    the first bad row of each kind, come from the same rows); else itself."""
    n = int(raw.p.shape[0])
    rows = raw.head_rows
    if rows is None or n <= rows or raw.y.shape[0] != n:
        yield raw
        return
    yield _cut(raw, 0, rows)
    yield _cut(raw, rows, None)


def _join(raws: list[Raw]) -> Raw:
    """Consecutive chunks of one input as one.  Chunks of numbers beside a chunk of text
    predictions (a chunk that happened to hold only the bad cell) are the error a whole
    read gives: the first cell that is not a number."""
    if len(raws) == 1:
        return raws[0]
    if len({r.p.dtype == object for r in raws}) == 2:
        offset = 0
        for r in raws:
            if r.p.dtype == object:
                for i, v in enumerate(r.p.reshape(-1)):
                    if not is_number(v):
                        raise InputError(
                            f"non-numeric value {show(v)} in the prediction column",
                            file=r.pred_source,
                            row=offset + i + 1,
                            column=r.pred_names[0] if r.pred_names else None,
                            hint=cell_hint(v),
                        )
            offset += int(r.p.shape[0])

    def cat(name: str) -> Any:
        parts = [getattr(r, name) for r in raws]
        if any(a is None for a in parts):
            return None
        return np.concatenate([np.asarray(a) for a in parts])

    a = sum(r.unmatched[0] for r in raws)
    b = sum(r.unmatched[1] for r in raws)
    return replace(
        raws[0],
        y=cat("y"),
        p=cat("p"),
        weights=cat("weights"),
        ids=cat("ids"),
        groups=cat("groups"),
        kept_targets=None,
        unmatched=(a, b),
    )


def with_head(
    chunks: Iterable[Raw], rows: int | None = None, whole: bool = False
) -> Generator[Raw, None, None]:
    """The chunks of an input with its first ``rows`` rows (:data:`HEAD_ROWS`) as the first
    chunk: gathered from smaller chunks, cut from a larger one; the rest as read.  An input
    of many files (shards) gathers from its first file only: where files begin does not
    depend on the chunk size, and messages keep each file's name.

    With ``whole``, a chunk that is the whole input (``complete``: a small file read at
    once) comes as it is, marked with ``rows``: the whole-input check (:class:`Facts`)
    sees it in one pass, and it is scored in the pieces :func:`parts` cuts."""
    rows = HEAD_ROWS if rows is None else rows
    it = iter(chunks)
    buffered: list[Raw] = []
    count = 0
    for raw in it:
        if whole and raw.complete and not buffered:
            raw.head_rows = rows
            yield raw
            yield from it
            return
        if buffered and not _joinable(buffered[0], raw):
            # another file of the input: its first rows begin the rest
            yield from _head_of(buffered, rows)
            yield raw
            yield from it
            return
        buffered.append(raw)
        count += int(raw.p.shape[0])
        if count >= rows:
            break
    yield from _head_of(buffered, rows)
    del buffered
    yield from it


def _joinable(a: Raw, b: Raw) -> bool:
    """Chunks of one file, alike in shape: the first rows may gather them (those of
    another file keep their own name in messages)."""

    def kind(x: Any) -> Any:
        return None if x is None else (np.asarray(x).dtype, np.asarray(x).shape[1:])

    return (
        (a.target_source, a.pred_source, a.weight_source, a.group_source)
        == (b.target_source, b.pred_source, b.weight_source, b.group_source)
        and (a.y.ndim, a.y.shape[1:], a.p.shape[1:]) == (b.y.ndim, b.y.shape[1:], b.p.shape[1:])
        and a.pred_names == b.pred_names
        and a.target_names == b.target_names
        and all(kind(getattr(a, f)) == kind(getattr(b, f)) for f in ("weights", "ids", "groups"))
    )


def _head_of(buffered: list[Raw], rows: int) -> Iterator[Raw]:
    if not buffered:
        return
    joined = _join(buffered)
    n = int(joined.p.shape[0])
    if n <= rows or joined.y.shape[0] != n:
        yield joined
    else:
        yield _cut(joined, 0, rows)
        yield _cut(joined, rows, None)


@dataclass
class _Side:
    """The distinct values of one column (targets or predictions), as far as they matter."""

    values: dict[Any, Any] = field(default_factory=dict)  # key -> a value as read
    many: bool = False  # more than CAP distinct values
    text: bool = False  # some chunk held text
    numbers: bool = False  # some chunk held numbers (and text: a bad cell, not a reading)
    boolean: bool = True  # every chunk was True/False
    low: float = np.inf
    high: float = -np.inf
    fraction: float | None = None  # a value that is not an integer

    def add(self, a: np.ndarray, extremes: tuple[float, float] | None = None) -> None:
        """``extremes``: ``a``'s fmin and fmax, when the caller has them."""
        a = a.reshape(-1)
        self.boolean = self.boolean and a.dtype == bool
        if a.dtype == object:
            self.text = True
            distinct: list[Any] = []
            for v in set(a.tolist()) if not self.many else ():
                if not _missing(v):
                    distinct.append(v)
            self._keep((_name(v), v) for v in distinct)
            return
        self.numbers = True
        f = np.asarray(a, dtype=np.float64)
        if self.many and self.fraction is not None and f.size:
            # only the extremes are left to learn: no copy of the finite values when
            # there is no inf (fmin/fmax pass over NaN)
            lo, hi = extremes or (float(np.fmin.reduce(f)), float(np.fmax.reduce(f)))
            if np.isfinite(lo) and np.isfinite(hi):
                self.low, self.high = min(self.low, lo), max(self.high, hi)
                return
        f = f[np.isfinite(f)]
        if f.size == 0:
            return
        self.low = min(self.low, float(f.min()))
        self.high = max(self.high, float(f.max()))
        if self.fraction is None:
            off = f != np.round(f)
            if off.any():
                self.fraction = float(f[int(np.argmax(off))])
        if not self.many:
            if 0 < len(self.values) <= 8:  # a few classes: only new values are sorted
                known = np.zeros(f.shape[0], dtype=bool)
                for v in self.values:
                    known |= f == v
                f = f[~known]
            if len(self.values) >= CAP:  # full: only whether a value is new (no sort)
                self.many = self.many or _holds_new(f, self.values, self.text)
                return
            new = sorted_distinct(f)
            if len(self.values) > 8:  # the few-classes filter above did not run
                if self.text:  # text keys too: only the numbers compare
                    keys = np.array([k for k in self.values if isinstance(k, float)], float)
                else:
                    keys = np.fromiter(self.values, dtype=float, count=len(self.values))
                new = new[~np.isin(new, keys)]
            room = CAP - len(self.values)
            kept = new[:room].tolist()
            self.values.update(zip(kept, kept))
            self.many = new.shape[0] > room

    def _keep(self, pairs: Iterable[tuple[Any, Any]]) -> None:
        for k, v in pairs:
            if k not in self.values:
                if len(self.values) >= CAP:
                    self.many = True
                    return
                self.values[k] = v

    def sample(self) -> list[Any]:
        """Values with the same distinct-value facts as the whole column (more than CAP
        of them: CAP of them, enough to say "many")."""
        out = list(self.values.values())
        extra: list[Any] = []
        if np.isfinite(self.low):
            extra += [self.low, self.high]
        if self.fraction is not None:
            extra.append(self.fraction)
        seen = set(out) if not self.text else set()
        return out + [v for v in extra if v not in seen]


def _holds_new(f: np.ndarray, values: dict[Any, Any], text: bool) -> bool:
    """Whether ``f`` (finite numbers) holds a number that is not a key of ``values`` (by
    ``==``, as ``np.isin``): one pass of binary searches, not a sort of ``f``."""
    keys = [k for k in values if isinstance(k, float)] if text else list(values)
    if not keys:
        return True
    known = np.sort(np.asarray(keys, dtype=float))
    if float(f.min()) < known[0] or float(f.max()) > known[-1]:
        return True
    return not bool(np.all(known[np.searchsorted(known, f)] == f))


@dataclass
class Facts:
    """What the whole input shows about its reading, gathered chunk by chunk."""

    single: bool = True  # one target column beside one prediction column, every chunk
    y: _Side = field(default_factory=_Side)
    p: _Side = field(default_factory=_Side)
    outside: bool = False  # a finite prediction outside [0, 1]
    first: Raw | None = None  # names and sources (no rows)

    def add(self, raw: Raw) -> None:
        if self.first is None:
            self.first = _cut(raw, 0, 0)
        p = raw.p
        extremes = None
        if p.dtype != object and p.size:
            # fmin/fmax pass over NaN as the comparisons would: two passes, no mask, and
            # the predictions' side takes them too
            extremes = float(np.fmin.reduce(p, axis=None)), float(np.fmax.reduce(p, axis=None))
            self.outside = self.outside or extremes[0] < 0 or extremes[1] > 1
        y = raw.y
        single = (y.ndim == 1 or y.shape[1] == 1) and (p.ndim == 1 or p.shape[1] == 1)
        self.single = self.single and single and y.shape[0] == p.shape[0]
        if self.single:
            self.y.add(y)
            self.p.add(p, extremes)

    def raw(self) -> Raw | None:
        """A small input with the same reading as the whole one (None: not one column
        each, or no finite value)."""
        if not self.single or self.first is None:
            return None
        if any(side.text and side.numbers for side in (self.y, self.p)):
            return None  # chunks of numbers and chunks of text: the bad cell says it
        ys, ps = self.y.sample(), self.p.sample()
        if not ys or not ps:
            return None
        n = max(len(ys), len(ps))
        ys += [ys[0]] * (n - len(ys))
        ps += [ps[0]] * (n - len(ps))
        if self.y.boolean:
            y = np.asarray(ys, dtype=bool)
        else:
            y = np.asarray(ys, dtype=object if self.y.text else np.float64)
        p = np.asarray(ps, dtype=object if self.p.text else np.float64).reshape(-1, 1)
        return replace(self.first, y=y, p=p)

    def reading(
        self, *, task: str, request: Request, pos_label: str | None, columns_given: bool
    ) -> Reading | None:
        """The reading the whole input supports (None when the facts cannot say, or when
        reading them is an error: the first rows' reading then stands)."""
        from losscli.errors import LossCliError

        raw = self.raw()
        if raw is None:
            return None
        try:
            return read(
                raw, task=task, request=request, pos_label=pos_label, columns_given=columns_given
            )
        except LossCliError:
            return None


def key(reading: Reading | None) -> tuple[Any, ...] | None:
    """What of a reading changes the figures (not its notes)."""
    if reading is None:
        return None
    pos = None if reading.pos is None else _name(reading.pos).lower()
    return (reading.task, reading.hard, reading.classes, reading.pm1, pos)


def reread_error(head: Reading, found: Reading, source: str | None) -> InputError:
    """The error when the whole input reads otherwise than its first rows and cannot be
    read again."""

    def said(r: Reading) -> str:
        if r.hard:
            return f"{r.task} class labels" + (
                f" ({', '.join(r.classes[:10])})" if r.classes else ""
            )
        return f"a {r.task} task"

    return Contradiction(
        f"the first {HEAD_ROWS} rows read as {said(head)}, but the whole input reads as "
        f"{said(found)}",
        file=source,
        hint=f"pass --task {found.task} (or --task {head.task}) to decide; a file (not stdin) "
        "is read again with the whole input's reading",
    )
