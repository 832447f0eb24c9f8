"""How the first rows' targets and predictions are read (:class:`Reading`): hard labels
(class ids or names, as ``model.predict()`` writes them), label encodings (``--pos-label``,
True/False), files given in the wrong order; every later chunk is read the same way
(:func:`apply`), and a chunk that contradicts the reading raises
:class:`~losscli.errors.Contradiction`.

The rules (``losscli explain`` prints the task-inference part from :mod:`.tasks`):

- text predictions are class names: hard labels; the classes are the union of the names
  of targets and predictions, sorted (or, with ``--pos-label``, a binary task);
- one prediction column of 0/1 beside 0/1 targets (or of -1/+1 beside -1/+1 targets) is
  hard labels, unless a requested figure needs probabilities or scores (``-l
  binary_cross_entropy``): then they are probabilities;
- integer predictions beside integer targets are class labels when every prediction is
  one of the target values and the targets take at most :data:`MAX_CLASSES` distinct
  values; otherwise a regression.  ``--task multiclass`` / ``--task regression`` decide;
- binary targets with two values that are not 0/1 or -1/+1 need ``--pos-label``;
  True/False are 1/0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losscli.errors import Contradiction, InputError, UsageError, show
from losscli.validate.columns import Raw, is_number
from losscli.validate.tasks import distinct, infer_task, is_01

MAX_CLASSES = 20  # integer predictions beside at most this many distinct target values: labels
_NEEDS_NUMBERS = frozenset({"probabilities", "scores"})


@dataclass(frozen=True)
class Request:
    """What the selected figures ask of the input, from the registry as plain data
    (validate does not import scoring): ``tasks``, the tasks every figure named on the
    command line takes (None when none was named); ``needs``, what those figures need
    from the predictions (``decisions``, ``probabilities``, ``scores``, ``values``) and
    ``wanting``, the name of the first one that needs probabilities or scores."""

    tasks: frozenset[str] | None = None
    needs: frozenset[str] = frozenset()
    wanting: str | None = None


@dataclass
class Reading:
    """How every chunk is read, decided on the first one."""

    task: str
    hard: bool = False  # predictions are class labels (decisions), not numbers
    classes: tuple[str, ...] | None = None  # hard multiclass: class names, in order
    pos: Any = None  # binary: the target value read as 1 (--pos-label, True)
    neg: Any = None  # the other value, once seen
    pm1: bool = False  # hard binary labels in -1/+1
    notes: list[str] = field(default_factory=list)
    # said at the end when every prediction of the input is 0/1 (a fact of the whole
    # input, not of the first chunk: the report does not depend on the chunking)
    pending: str | None = None


def not_01(p: np.ndarray) -> int:
    """Predictions of a chunk that are not 0/1 (NaN counts as neither)."""
    return int(np.count_nonzero((p != 0) & (p != 1) & ~np.isnan(p)))


def _integral(a: np.ndarray) -> bool:
    a = a[np.isfinite(a)]
    return a.size > 0 and bool(np.all(a == np.round(a)))


def _name(v: Any) -> str:
    """A class name as written: integral numbers without ``.0``."""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    return str(v).strip()


def _distinct(a: np.ndarray) -> list[Any]:
    if a.dtype == object:
        return sorted({_name(v) for v in a if not _missing(v)})
    a = a[np.isfinite(a)] if a.dtype.kind == "f" else a
    return [x.item() for x in distinct(a)]


def _listing(values: Sequence[Any], limit: int = 6) -> str:
    shown = ", ".join(show(v) for v in values[:limit])
    return shown + (f", ... ({len(values)} values)" if len(values) > limit else "")


def _is_bool_text(values: Sequence[Any]) -> bool:
    return bool(values) and all(str(v).strip().lower() in ("true", "false") for v in values)


def read(
    raw: Raw,
    *,
    task: str,
    request: Request,
    pos_label: str | None = None,
    columns_given: bool = False,
) -> Reading:
    """The reading of the input from its first chunk ``raw`` (``task`` as asked)."""
    y, p = raw.y, raw.p
    n = p.shape[0]
    single = y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)
    onep = p.ndim == 1 or p.shape[1] == 1
    if task == "auto" and not columns_given and raw.target_source != raw.pred_source:
        _check_swapped(raw)
    if not (single and onep) or y.shape[0] != n:
        if pos_label is not None:
            raise UsageError(
                "--pos-label needs one target column and one prediction column",
                hint="it names the positive class of binary targets",
            )
        if p.dtype == object:
            raise InputError(
                "text predictions (class names) need one target column",
                file=raw.pred_source,
                column=raw.pred_names[0],
            )
        return Reading(_auto_task(raw, task, request))
    yv = y.reshape(-1)
    pv = p.reshape(-1)
    if yv.dtype == bool:
        yv = yv.astype(np.float64)
        raw.y = yv
        if pos_label is None:
            return _numeric(raw, task, request, note="targets True/False read as 1/0")
    if task == "regression":
        if pos_label is not None:
            raise UsageError("--pos-label names a class: it does not apply to --task regression")
        return Reading("regression")
    tvalues = _distinct(yv)
    if pos_label is not None:
        return _with_pos_label(raw, yv, pv, tvalues, pos_label, task, request)
    if yv.dtype == object:
        if _is_bool_text(tvalues):
            r = _binary_encoded(raw, yv, pv, "true", task, request)
            r.notes.insert(0, "targets True/False read as 1/0")
            return r
        if pv.dtype == object:
            return _names(raw, yv, pv, task)
        if len(tvalues) == 2 and not any(is_number(v) for v in tvalues):
            raise _needs_pos_label(raw, tvalues)
        return Reading(_auto_task(raw, task, request))  # text targets: prepare says why
    if pv.dtype == object:
        return _names(raw, yv, pv, task)
    return _numeric(raw, task, request)


def _auto_task(raw: Raw, task: str, request: Request) -> str:
    """``task``, or inferred; the figures asked for inform it (a classification loss on
    data that does not look like its task gets the data's error, not "does not apply")."""
    if task != "auto":
        return task
    inferred = infer_task(raw.y, raw.p, raw.pred_names)
    wanted = request.tasks
    if inferred == "regression" and wanted and "regression" not in wanted:
        onep = raw.p.shape[1] == 1
        for t in ("binary", "multiclass", "multilabel") if onep else ("multiclass", "multilabel"):
            if t in wanted:
                return t
    return inferred


def _numeric(raw: Raw, task: str, request: Request, note: str | None = None) -> Reading:
    """Numeric targets beside one numeric prediction column."""
    yv = np.asarray(raw.y, dtype=np.float64).reshape(-1)
    pv = raw.p.reshape(-1)
    notes = [note] if note else []
    fy, fp = yv[np.isfinite(yv)], pv[np.isfinite(pv)]
    wants_numbers = bool(request.needs & _NEEDS_NUMBERS)
    tvalues = distinct(fy).tolist()  # sorted, as sorted(set(...)); no Python set of every row
    binary01 = is_01(fy)
    pm1 = bool(np.all(np.abs(fy) == 1)) and not binary01
    if task in ("auto", "binary") and (binary01 or pm1):
        labels01 = fp.size > 0 and is_01(fp)
        labelspm = pm1 and fp.size > 0 and bool(np.all(np.abs(fp) == 1))
        if labels01 or labelspm:
            kind = "-1/+1" if labelspm else "0/1"
            if wants_numbers:
                what = "probabilities" if "probabilities" in request.needs else "scores"
                pending = (
                    f"predictions are all {kind}: taken as {what}, as {request.wanting} "
                    "asks (without it they are hard labels)"
                )
                return Reading("binary", notes=notes, pending=pending)
            notes.append(
                f"predictions are all {kind}: taken as hard labels (class decisions; "
                "default loss zero_one); a probability loss such as -l binary_cross_entropy "
                "reads them as probabilities"
            )
            return Reading("binary", hard=True, pm1=labelspm, notes=notes)
        return Reading(_auto_task(raw, task, request), notes=notes)
    if task in ("auto", "multiclass") and _integral(fy) and _integral(fp):
        wanted = request.tasks
        among = bool(np.all(np.isin(fp, fy)))
        few = len(tvalues) <= MAX_CLASSES
        forced = task == "multiclass"
        if forced or (among and few and not (wanted and "multiclass" not in wanted)):
            classes = tuple(_name(v) for v in sorted(set(tvalues) | set(fp.tolist())))
            how = "--task multiclass" if forced else f"all among the {len(tvalues)} target values"
            notes.append(
                f"integer predictions beside integer targets ({how}): taken as class labels "
                f"{', '.join(classes[:20])} (sorted); pass --task regression to score them "
                "as numbers"
            )
            return Reading("multiclass", hard=True, classes=classes, notes=notes)
        if task == "auto" and not (wanted and "regression" not in wanted):
            why = (
                f"the targets take {len(tvalues)} distinct values"
                if not few
                else "some predictions are not target values"
            )
            notes.append(
                f"integer predictions beside integer targets scored as a regression ({why}); "
                "pass --task multiclass to read them as class labels"
            )
            return Reading("regression", notes=notes)
    if (
        task == "auto"
        and len(tvalues) == 2
        and _integral(fy)  # two class ids such as 1/2 (1.5/2 are numbers: a regression)
        and not (request.tasks and "binary" not in request.tasks)
        and fp.size > 0
        and bool(np.all((fp >= 0) & (fp <= 1)))
    ):
        raise _needs_pos_label(raw, [_name(v) for v in tvalues])
    return Reading(_auto_task(raw, task, request), notes=notes)


def _needs_pos_label(raw: Raw, values: Sequence[Any]) -> InputError:
    return InputError(
        f"binary targets take the values {_listing(values)}, not 0/1 or -1/+1",
        file=raw.target_source,
        column=raw.target_names[0],
        hint=f"pass --pos-label VALUE to name the positive class (e.g. --pos-label "
        f"{_name(values[-1])}), or --task regression for numbers",
    )


def _names(raw: Raw, yv: np.ndarray, pv: np.ndarray, task: str) -> Reading:
    """Class names on both sides (or text predictions): the union of the names, sorted."""
    if task not in ("auto", "multiclass"):
        raise UsageError(
            f"the predictions are class names (text): they cannot be a {task} task",
            hint="pass --pos-label VALUE for a binary task" if task == "binary" else None,
        )
    names = {_name(v) for v in (*yv.tolist(), *pv.tolist()) if not _missing(v)}
    classes = tuple(sorted(names))
    note = (
        "class-name predictions taken as hard labels (default loss zero_one); the classes "
        f"are the union of the names in targets and predictions, sorted: {', '.join(classes[:20])}"
        + (" ..." if len(classes) > 20 else "")
    )
    if len(classes) == 2:
        note += f" (--pos-label {classes[1]} makes it a binary task)"
    return Reading("multiclass", hard=True, classes=classes, notes=[note])


def _match(pos_label: str, values: Sequence[Any]) -> Any:
    """The target value ``pos_label`` names (text, number or True), or None."""
    text = pos_label.strip()
    for v in values:
        if _name(v) == text:
            return v
    for v in values:
        if _name(v).lower() == text.lower():
            return v
    try:
        number = float(text)
    except ValueError:
        return None
    for v in values:
        try:
            if float(v) == number:
                return v
        except (TypeError, ValueError):
            continue
    return None


def _with_pos_label(
    raw: Raw,
    yv: np.ndarray,
    pv: np.ndarray,
    tvalues: list[Any],
    pos_label: str,
    task: str,
    request: Request,
) -> Reading:
    if task not in ("auto", "binary"):
        raise UsageError(f"--pos-label makes a binary task, not {task}")
    if len(tvalues) > 2:
        raise InputError(
            f"--pos-label needs binary targets, but they take {len(tvalues)} values "
            f"({_listing(tvalues)})",
            file=raw.target_source,
            column=raw.target_names[0],
            hint="leave out --pos-label for a multiclass or regression task",
        )
    pos = _match(pos_label, tvalues)
    if pos is None:
        raise InputError(
            f"--pos-label {pos_label!r} is not a target value (seen: {_listing(tvalues)})",
            file=raw.target_source,
            column=raw.target_names[0],
            hint="name one of the values seen",
        )
    return _binary_encoded(raw, yv, pv, pos, task, request, given=pos_label)


def _binary_encoded(
    raw: Raw,
    yv: np.ndarray,
    pv: np.ndarray,
    pos: Any,
    task: str,
    request: Request,
    given: str | None = None,
) -> Reading:
    """Binary targets whose positive value is ``pos`` (the other one is 0)."""
    others = [v for v in _distinct(yv) if _name(v).lower() != _name(pos).lower()]
    r = Reading("binary", pos=pos, neg=others[0] if others else None)
    if given is not None:
        neg = f", {show(_name(r.neg))} as 0" if r.neg is not None else ""
        r.notes.append(f"--pos-label {given}: targets {show(_name(pos))} read as 1{neg}")
    if pv.dtype == object:
        r.hard = True
        r.notes.append("class-name predictions taken as hard labels (default loss zero_one)")
        return r
    fp = pv[np.isfinite(pv)]
    tv = {_name(v) for v in _distinct(yv)}
    if fp.size and yv.dtype != object and all(_name(v) in tv for v in fp.tolist()):
        if request.needs & _NEEDS_NUMBERS and is_01(fp):
            r.notes.append(f"predictions are all 0/1: taken as numbers, as {request.wanting} asks")
            return r
        r.hard = True
        r.notes.append(
            "predictions are all target values: taken as hard labels (default loss zero_one)"
        )
    return r


def _check_swapped(raw: Raw) -> None:
    """Targets that look like probabilities beside predictions that look like labels."""
    y, p = raw.y, raw.p
    if y.dtype == object or p.shape[1] != 1:
        return
    yc = y.reshape(y.shape[0], -1).astype(np.float64)
    fy = yc[np.isfinite(yc).all(axis=1)]
    if fy.size == 0 or not bool(np.all((fy >= 0) & (fy <= 1))) or _integral(fy):
        return
    pv = p.reshape(-1)
    if pv.dtype != object:
        pv = pv[np.isfinite(pv)]
        if pv.size == 0 or not _integral(pv):
            return
    example = next(float(v) for v in fy.reshape(-1) if v != round(v))
    values = _listing([_name(v) for v in _distinct(pv)])
    raise InputError(
        f"the targets look like probabilities (values in [0, 1] such as {example!r}) and "
        f"the predictions like labels ({values}): are the files swapped?",
        file=raw.target_source,
        hint="the order is `losscli eval TARGETS PREDICTIONS`; pass --task, --target-col or "
        "--pred-col to read them as given",
    )


def apply(raw: Raw, reading: Reading) -> tuple[np.ndarray, np.ndarray] | None:
    """A chunk's (targets, predictions) as the reading says: hard binary labels and
    encoded targets as 0/1 floats, hard multiclass labels as class indices; None when
    the reading changes nothing.  A chunk that contradicts it raises
    :class:`Contradiction` naming its first such row (numbered in the chunk)."""
    if reading.pos is None and not reading.hard:
        return None
    y, p = raw.y.reshape(-1), raw.p.reshape(-1)
    if reading.task == "multiclass":
        assert reading.classes is not None
        lookup = {c: i for i, c in enumerate(reading.classes)}
        return (
            _indices(y, lookup, raw, "target", reading),
            _indices(p, lookup, raw, "prediction", reading),
        )
    yy = _encode(y, reading, raw, "target") if reading.pos is not None else y
    if not reading.hard:
        return np.asarray(yy, dtype=np.float64), p
    if reading.pos is not None and (p.dtype == object or reading.neg is not None):
        pp = _encode(p, reading, raw, "prediction")
    else:
        pp = np.asarray(p, dtype=np.float64)
        ok = np.abs(pp) == 1 if reading.pm1 else (pp == 0) | (pp == 1)
        ok |= np.isnan(pp)
        if not ok.all():
            i = int(np.argmax(~ok))
            raise Contradiction(
                f"prediction {float(pp[i])!r} is not a class label, but the predictions were "
                "taken as hard labels (all 0/1 in the first rows)",
                file=raw.pred_source,
                row=i + 1,
                column=raw.pred_names[0],
                hint="pass a probability loss such as -l binary_cross_entropy to read them as "
                "probabilities",
            )
        if reading.pm1:
            pp = (pp + 1.0) / 2.0
    return np.asarray(yy, dtype=np.float64), pp


def _missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, str):
        return v.strip().lower() in ("", "nan", "na", "null", "none")
    return isinstance(v, (float, np.floating)) and not np.isfinite(v)


def _encode(a: np.ndarray, reading: Reading, raw: Raw, role: str) -> np.ndarray:
    """Binary values as 1 (the positive value) / 0 (the other); a third value is an error."""
    pos = _name(reading.pos).lower()
    out = np.empty(a.shape[0], dtype=np.float64)
    for i, v in enumerate(a):
        if _missing(v):
            out[i] = np.nan
            continue
        key = _name(v).lower()
        if key == pos:
            out[i] = 1.0
            continue
        if reading.neg is None:
            reading.neg = v
        if key != _name(reading.neg).lower():
            source = raw.target_source if role == "target" else raw.pred_source
            column = raw.target_names[0] if role == "target" else raw.pred_names[0]
            raise InputError(
                f"binary {role} {show(v)} is neither the positive class "
                f"{show(_name(reading.pos))} nor the other value {show(_name(reading.neg))}",
                file=source,
                row=i + 1,
                column=column,
                hint="binary targets take two values; leave out --pos-label for more classes",
            )
        out[i] = 0.0
    return out


def _indices(
    a: np.ndarray, lookup: dict[str, int], raw: Raw, role: str, reading: Reading
) -> np.ndarray:
    """Class indices (float64; NaN for a missing cell, judged by the NaN policy)."""
    idx = np.empty(a.shape[0], dtype=np.float64)
    for i, v in enumerate(a):
        if _missing(v):
            idx[i] = np.nan
            continue
        k = lookup.get(_name(v))
        if k is None:
            source = raw.target_source if role == "target" else raw.pred_source
            column = raw.target_names[0] if role == "target" else raw.pred_names[0]
            shown = ", ".join(reading.classes[:10]) if reading.classes else ""
            raise Contradiction(
                f"class {show(_name(v))} is not among the classes taken from the first "
                f"rows ({shown})",
                file=source,
                row=i + 1,
                column=column,
                hint="read the input from a file rather than stdin (it is then read again "
                "with every class), or pass --task regression for numbers",
            )
        idx[i] = k
    return idx
