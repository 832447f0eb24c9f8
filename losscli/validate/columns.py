"""Column selection: which columns of one or two tables hold the targets, the
predictions and the weights, stacked into a :class:`Raw` pair of arrays.

The cell-level helpers (is a cell a number, the first cell that is not, a hint for a bad
cell) live in :mod:`losscli.validate.cells`; they stay importable from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from losscli.errors import InputError, UsageError, show
from losscli.io.table import Table, to_float_column
from losscli.validate import roles
from losscli.validate.align import align
from losscli.validate.cells import (
    cell_hint,
    compound_cell,
    filled_number,
    first_non_numeric,
    header_is_data,
    is_number,
    is_text,
    labels_beside_scores,
)

__all__ = [
    "Raw",
    "Roles",
    "cell_hint",
    "decide",
    "first_non_numeric",
    "is_number",
    "is_text",
    "select",
]

# the name rules live in losscli.validate.roles; the names stay importable from here
TARGET_NAMES = roles.TARGET_NAMES
PRED_NAMES = roles.PRED_NAMES


@dataclass
class Raw:
    """Targets and predictions as arrays, with names for messages."""

    y: np.ndarray  # (n,) numbers or class names, or (n, k)
    p: np.ndarray  # (n, C) float64
    pred_names: list[str]
    target_names: list[str]
    target_source: str = "targets"
    pred_source: str = "predictions"
    weights: np.ndarray | None = None
    weight_source: str = "weights"
    ids: np.ndarray | None = None
    # --allow-missing: target rows kept (those with a prediction), and the ids dropped
    kept_targets: np.ndarray | None = None
    unmatched: tuple[int, int] = (0, 0)  # (targets without a prediction, predictions without)
    notes: list[str] = field(default_factory=list)  # the roles taken without a flag
    groups: np.ndarray | None = None  # --group-by: the group of every row
    group_source: str = "--group-by"
    complete: bool = False  # the whole input: no chunk follows (a small file read at once)
    # set by losscli.validate.whole.with_head on a complete chunk that it does not cut:
    # the rows its first decisions are taken on (losscli.validate.whole.parts)
    head_rows: int | None = None


def _find_named(table: Table, candidates: tuple[str, ...]) -> str | None:
    lowered = {n.strip().lower(): n for n in table.names}
    for c in candidates:
        if c in lowered:
            return lowered[c]
    return None


def _specs(spec: str | None) -> list[str] | None:
    if spec is None:
        return None
    parts = [s.strip() for s in spec.split(",") if s.strip()]
    if not parts:
        raise UsageError(f"empty column list {spec!r}")
    return parts


def _stack(table: Table, names: list[str], role: str, text_ok: bool | None = None) -> np.ndarray:
    """The columns ``names`` as one array.  ``text_ok``: whether the predictions were
    decided to be class names for the whole input (:class:`Roles`); a later chunk of a
    numeric column that holds only text is then a bad cell, not class names."""
    cols = []
    for name in names:
        col = table.data[name]
        if col.dtype == object:
            compound = compound_cell(col, role)
            if compound is not None:
                compound.file, compound.column = table.source, name
                raise compound
            text = _text_predictions(table, col, role) if text_ok is None else text_ok
            if len(names) == 1 and (role == "target" or (role == "prediction" and text)):
                # class names: targets resolved against the prediction headers later,
                # predictions (hard labels) by the task inference
                return col if role == "target" else col.reshape(-1, 1)
            numbers = to_float_column(col)
            if (
                numbers is None
                and text_ok is None
                and len(names) == 1
                and role == "prediction"
                and not any(filled_number(v) for v in col[:1000])
            ):
                return col.reshape(-1, 1)  # hard labels as class names
            if numbers is None:
                row, bad = first_non_numeric(col)
                raise InputError(
                    f"non-numeric value {show(bad)} in the {role} column",
                    file=table.source,
                    row=row,
                    column=name,
                    hint=cell_hint(bad),
                )
            col = numbers
        cols.append(col if col.ndim == 2 else col.reshape(-1, 1))
    if len({c.shape[0] for c in cols}) > 1:
        sizes = ", ".join(f"{n} has {c.shape[0]}" for n, c in zip(names, cols))
        raise InputError(f"the {role} columns differ in length: {sizes}", file=table.source)
    return np.concatenate(cols, axis=1) if len(cols) > 1 else cols[0]


def _text_predictions(table: Table, col: np.ndarray, role: str) -> bool:
    """One text column of predictions (class names) in a file with a header."""
    return role == "prediction" and table.has_header and not table.is_npz and is_text(col)


def _numeric_names(table: Table, exclude: set[str]) -> list[str]:
    """Numeric columns; a text column holding some numbers has a bad cell: an input error.

    A text column whose cells are all numbers (a chunk of a stream whose bad cell is in
    another chunk) counts as numeric; the bad cell is reported with its own chunk."""
    names = []
    for n in table.names:
        if n in exclude:
            continue
        col = table.data[n]
        if col.dtype != object or to_float_column(col) is not None:
            names.append(n)
            continue
        if any(is_number(v) for v in col[:1000]):
            row, bad = first_non_numeric(col)
            raise InputError(
                f"non-numeric value {show(bad)} in a prediction column",
                file=table.source,
                row=row,
                column=n,
                hint=cell_hint(bad) or "fix the cell, or choose columns with --pred-col",
            )
    return names


def _layout_hint(table: Table, flag: str) -> str:
    """What probably went wrong when no target/prediction column can be chosen."""
    names = table.names
    if table.has_header and names and all(is_number(n) for n in names):
        return f"the first row looks like data: pass --no-header, and {flag} by index"
    if len(names) == 1 and ("\t" in names[0] or ";" in names[0]):
        sep, spelt = ("tabs", "'\\t'") if "\t" in names[0] else ("semicolons", "';'")
        return f"the file seems to be separated by {sep}, not commas: pass --delimiter {spelt}"
    if table.is_npz:
        return f"name the arrays y_true and y_pred, or pass {flag}"
    return f"name it target, y_true, y, label or truth, or pass {flag}"


@dataclass(frozen=True)
class Roles:
    """What the columns of one input are, decided once (:func:`decide`, from the headers
    and the first rows) and kept for every chunk."""

    targets: tuple[str, ...]
    preds: tuple[str, ...]
    id_target: str | None = None  # the targets' sample ids (--id-col, or an id column)
    id_pred: str | None = None  # two files: the predictions' key column
    auto_id: bool = False  # the key was taken by its name, not given with --id-col
    notes: tuple[str, ...] = ()
    text_preds: bool | None = None  # the predictions are class names (None: undecided)


def decide(
    target: Table,
    pred: Table | None,
    *,
    target_col: str | None = None,
    pred_col: str | None = None,
    id_col: str | None = None,
    weight_col: str | None = None,
    weights_given: bool = False,
    group_col: str | None = None,
) -> Roles:
    """The roles of the columns of one or two tables (the rules: :mod:`losscli.validate.roles`).
    ``weights_given``: ``--weights`` names a file or a column."""
    one_file = pred is None
    ptable = target if pred is None else pred
    for t in (target, ptable):
        header_is_data(t)
    weighted = weights_given or weight_col is not None
    notes: list[str] = []
    exclude_t: set[str] = set()
    exclude_p: set[str] = set()
    id_t = id_p = None
    if id_col is not None:
        id_t, id_p = target.column(id_col, "--id-col"), ptable.column(id_col, "--id-col")
        exclude_t.add(id_t)
        exclude_p.add(id_p)
    for col in (weight_col, group_col):
        if col is not None:
            for t, ex in ((target, exclude_t), (ptable, exclude_p)):
                if col in t.data:
                    ex.add(col)

    # -- targets
    tspecs = _specs(target_col)
    guess_t = target.has_header and not target.is_npz
    if tspecs is not None:
        tnames = [target.column(s, "--target-col") for s in tspecs]
    elif target.is_npz:
        found = _find_named(target, TARGET_NAMES)
        if found is None and not one_file and len(target.names) == 1:
            found = target.names[0]
        if found is None:
            raise InputError(
                f"cannot tell which array holds the targets (arrays: {', '.join(target.names)})",
                file=target.source,
                hint="name it y_true, or pass --target-col",
            )
        tnames = [found]
    else:
        found = _find_named(target, TARGET_NAMES) if target.has_header else None
        candidates = [n for n in target.names if n not in exclude_t]
        if not one_file and guess_t:  # the other columns of a targets file are never targets
            candidates = [n for n in candidates if not _has_role(n)]
        if found is not None:
            tnames = [found]
        elif not target.has_header and candidates:
            tnames = [candidates[0]] if one_file else candidates
        elif not one_file and guess_t and len(candidates) == 1:
            tnames = candidates  # the one column of a targets file that has no other role
            notes.append(
                f"column {candidates[0]!r} of {target.source} taken as the targets (its only "
                "column besides ids and indexes; --target-col to choose)"
            )
        elif not one_file and len(candidates) >= 1 and _looks_wide_target(target, candidates):
            tnames = candidates
        else:
            raise InputError(
                "cannot tell which column holds the targets "
                f"(columns: {', '.join(repr(n) for n in target.names[:20])}"
                + (" ...)" if len(target.names) > 20 else ")"),
                file=target.source,
                hint=_layout_hint(target, "--target-col"),
            )
    if one_file:
        exclude_p |= set(tnames)
    elif guess_t:  # a weights column beside the targets: weigh by it, or say it is not
        for n in target.names:
            if n not in tnames and n not in exclude_t and roles.is_weight_name(n):
                if not weighted and tspecs is None:
                    raise InputError(
                        f"column {n!r} beside the targets looks like sample weights",
                        file=target.source,
                        column=n,
                        hint=f"pass --weights {n} to weigh by it, or --target-col to choose "
                        "the targets (the column is then ignored)",
                    )
                notes.append(f"column {n!r} of {target.source} ignored (weight-like)")

    # -- predictions
    pspecs = _specs(pred_col)
    guess_p = ptable.has_header and not ptable.is_npz
    ids: list[str] = []
    if pspecs is not None:
        pnames = [ptable.column(s, "--pred-col") for s in pspecs]
        if guess_p:
            rest = [n for n in ptable.names if n not in exclude_p and n not in pnames]
            ids = _classify(ptable, rest, notes, weighted=weighted, pred_given=True)[0]
    elif ptable.is_npz:
        found = _find_named(ptable, PRED_NAMES)
        rest = [n for n in ptable.names if n not in exclude_p]
        if found is None and len(rest) == 1:
            found = rest[0]
        if found is None:
            raise InputError(
                "cannot tell which array holds the predictions "
                f"(arrays: {', '.join(ptable.names)})",
                file=ptable.source,
                hint="name it y_pred, or pass --pred-col",
            )
        pnames = [found]
    elif not guess_p:
        pnames = _numeric_names(ptable, exclude_p)
        if not pnames:
            raise _no_predictions(ptable, exclude_p)
    else:
        rest = [n for n in ptable.names if n not in exclude_p]
        ids, candidates = _classify(ptable, rest, notes, weighted=weighted, pred_given=False)
        pnames = _guess_predictions(ptable, candidates, notes, exclude_p)

    # -- ids
    auto = False
    if id_col is None and ids:
        if one_file:
            id_t = id_p = ids[0]
            notes.append(
                f"column {id_t!r} taken as the sample id, not a prediction "
                "(--pred-col to choose the predictions)"
            )
        else:
            common = [n for n in ids if n in target.data]
            if len(common) > 1:
                raise InputError(
                    f"both files have the id columns {', '.join(repr(n) for n in common)}",
                    file=ptable.source,
                    column=common[0],
                    hint=f"pass --id-col {common[0]} (or another) to choose the key that "
                    "aligns the rows",
                )
            if common:
                id_t = id_p = common[0]
                auto = True
                notes.append(
                    f"rows aligned by the column {id_t!r} of both files (as --id-col {id_t} would)"
                )
    for n in ids:
        if n != id_p:
            where = "" if one_file else f" of {ptable.source}"
            notes.append(f"column {n!r}{where} ignored (an id column)")
    text_preds = len(pnames) == 1 and is_text(ptable.data[pnames[0]]) if pnames else False
    return Roles(tuple(tnames), tuple(pnames), id_t, id_p, auto, tuple(notes), text_preds)


def _has_role(name: str) -> bool:
    """A header that names an id, an index, a group or weights."""
    return (
        roles.is_id_name(name)
        or roles.is_pandas_index(name)
        or roles.is_group_name(name)
        or roles.is_weight_name(name)
    )


def _classify(
    table: Table, names: list[str], notes: list[str], *, weighted: bool, pred_given: bool
) -> tuple[list[str], list[str]]:
    """(id columns, candidate prediction columns) of ``names``; index and group columns
    ignored with a note, a weight-like column an error unless its role is settled."""
    ids: list[str] = []
    candidates: list[str] = []
    for n in names:
        if roles.is_pandas_index(n):
            notes.append(f"column {n!r} (a pandas index) ignored")
        elif roles.is_id_name(n):
            ids.append(n)
        elif roles.is_group_name(n):
            notes.append(f"column {n!r} ignored (a group column)")
        elif roles.is_weight_name(n):
            if not weighted and not pred_given:
                raise InputError(
                    f"column {n!r} looks like sample weights, not a prediction",
                    file=table.source,
                    column=n,
                    hint=f"pass --weights {n} to weigh by it, or --pred-col to choose the "
                    "predictions",
                )
            why = "the weights are given by --weights" if weighted else f"--weights {n} to use it"
            notes.append(f"column {n!r} ignored (weight-like; {why})")
        else:
            candidates.append(n)
    return ids, candidates


def _guess_predictions(
    table: Table, candidates: list[str], notes: list[str], exclude: set[str]
) -> list[str]:
    """The prediction columns among ``candidates``: the numeric ones, or one text column
    (class names) named as a prediction or left alone; other text columns ignored."""
    numeric: list[str] = []
    text: list[str] = []
    for n in candidates:
        if is_text(table.data[n]):
            text.append(n)
        else:  # numbers (a bad cell among them: an error of its chunk, naming its file)
            numeric.append(n)
    named = [n for n in text if roles.is_pred_name(n)]
    chosen = named or (text if len(candidates) == 1 else [])
    if chosen and (len(chosen) > 1 or numeric):
        others = [n for n in [*chosen, *numeric] if n != chosen[0]]
        raise InputError(
            f"cannot tell the predictions: column {chosen[0]!r} holds class names beside "
            f"{', '.join(repr(n) for n in others[:5])}",
            file=table.source,
            column=chosen[0],
            hint="choose the predictions with --pred-col",
        )
    for n in text:
        if n not in chosen:
            notes.append(f"column {n!r} ignored (text, not a prediction)")
    if chosen:
        return chosen
    for n in numeric:
        col = table.data[n]
        values = col if col.dtype != object else to_float_column(col)
        counted = None if roles.is_pred_name(n) or values is None else roles.row_counter(values)
        if counted is not None:
            raise InputError(
                f"column {n!r} counts the rows ({counted[0]}, {counted[0] + 1}, "
                f"{counted[0] + 2}, ...): an index, not a prediction?",
                file=table.source,
                column=n,
                hint=f"pass --id-col {n} if it identifies the samples, or --pred-col to "
                "choose the predictions",
            )
    labels_beside_scores(table, numeric)
    if not numeric:
        if text:
            raise _no_predictions(table, {n for n in table.names if n not in text})
        taken = [n for n in table.names if n not in exclude]
        if not taken:
            raise _no_predictions(table, exclude)
        raise InputError(
            "no prediction columns: the other columns are ids, indexes, groups or weights"
            + (f" ({', '.join(repr(n) for n in taken[:10])})" if taken else ""),
            file=table.source,
            hint="choose the predictions with --pred-col, or give them as a second file",
        )
    return numeric


def select(
    target: Table,
    pred: Table | None,
    *,
    target_col: str | None = None,
    pred_col: str | None = None,
    id_col: str | None = None,
    weight_col: str | None = None,
    allow_missing: bool = False,
    decided: Roles | None = None,
    lockstep: bool = False,
    group_col: str | None = None,
) -> Raw:
    """Choose the target and prediction columns of one or two tables (``decided``: as
    decided for the whole input; otherwise from these tables).  With an id column of
    both files the predictions are aligned to the targets by key; ids on one side only
    are an input error, or with ``allow_missing`` are dropped and counted
    (``Raw.unmatched``).  ``lockstep``: the tables are chunks of two streams read side by
    side, so a key found by name must match row by row."""
    one_file = pred is None
    ptable = target if pred is None else pred
    r = decided or decide(
        target,
        pred,
        target_col=target_col,
        pred_col=pred_col,
        id_col=id_col,
        weight_col=weight_col,
        group_col=group_col,
    )
    tnames, pnames = list(r.targets), list(r.preds)
    y = _stack(target, tnames, "target")
    p = _stack(ptable, pnames, "prediction", text_ok=r.text_preds)
    if p.ndim == 1:
        p = p.reshape(-1, 1)
    pred_headers = pnames
    if ptable.is_npz or not ptable.has_header:
        pred_headers = [str(i) for i in range(p.shape[1])]
    if y.dtype == object:
        y = _numbers_unless_class_names(y, pred_headers)
    if one_file and id_col is None and y.shape[0] != p.shape[0]:
        raise InputError(
            f"the targets ({', '.join(tnames)}) have {y.shape[0]} rows but the predictions "
            f"({', '.join(pnames)}) have {p.shape[0]}",
            file=target.source,
        )
    raw = Raw(
        y=y,
        p=p,
        pred_names=pred_headers,
        target_names=tnames,
        target_source=target.source,
        pred_source=ptable.source,
        notes=list(r.notes),
    )
    if weight_col is not None and (weight_col in target.data or weight_col in ptable.data):
        t = target if weight_col in target.data else ptable
        raw.weights = _stack(t, [weight_col], "weight").astype(np.float64).reshape(-1)
        raw.weight_source = f"{t.source} column {weight_col}"
    reordered = False  # the predictions' rows put in the targets' order (by key)
    if r.id_target is not None and r.id_pred is not None:
        if lockstep and r.auto_id and not one_file:
            _same_keys(target, ptable, r.id_target, r.id_pred)
            one_file = True  # the rows are in the same order: the ids are the targets'
        align(raw, target, ptable, r.id_target, r.id_pred, one_file, allow_missing)
        reordered = not one_file
    if group_col is not None:
        if group_col in target.data:
            groups = target.data[group_col]
            raw.groups = groups if raw.kept_targets is None else groups[raw.kept_targets]
            raw.group_source = f"{target.source} column {group_col}"
        elif reordered:
            raise UsageError(
                f"--group-by {group_col!r} is a column of the predictions file, whose rows "
                "are aligned by key",
                hint="put the group column in the targets file, or give a file of groups",
            )
        else:
            raw.groups = ptable.data[group_col]
            raw.group_source = f"{ptable.source} column {group_col}"
    elif not one_file and y.shape[0] != p.shape[0]:
        raise InputError(
            f"length mismatch: {y.shape[0]} targets in {target.source} but "
            f"{p.shape[0]} predictions in {ptable.source}",
            hint="pass --id-col to align by a key column",
        )
    return raw


def _same_keys(target: Table, ptable: Table, tid: str, pid: str) -> None:
    """Two streams read side by side with a common key: the keys must match row by row."""
    from losscli.validate.align import id_keys

    a = id_keys(target.data[tid], target.source, tid)
    b = id_keys(ptable.data[pid], ptable.source, pid)
    if a.shape == b.shape and np.array_equal(a, b):
        return
    n = min(a.shape[0], b.shape[0])
    differ = np.flatnonzero(a[:n] != b[:n])
    row = int(differ[0]) + 1 if differ.size else n + 1
    raise InputError(
        f"the files' {tid!r} columns differ from row {row} on: the rows are in another order",
        file=ptable.source,
        row=row,
        column=pid,
        hint=f"pass --id-col {tid} to align the rows by it",
    )


def _numbers_unless_class_names(y: np.ndarray, pred_headers: list[str]) -> np.ndarray:
    """A text target column as numbers when its cells are numbers that are not all
    prediction headers (class names such as "1", "2", "3" stay names)."""
    headers = {str(h).strip() for h in pred_headers}
    if all(str(v).strip() in headers for v in y):
        return y
    numbers = to_float_column(y)
    return y if numbers is None else numbers


def _no_predictions(ptable: Table, exclude: set[str]) -> InputError:
    """No numeric prediction column: say why (only text columns, or none left at all)."""
    rest = [n for n in ptable.names if n not in exclude]
    if not rest:
        return InputError(
            "no prediction columns: every column is taken as the target"
            + (", id or weights" if exclude else ""),
            file=ptable.source,
            hint="give the predictions as a second file, or choose columns with --target-col "
            "and --pred-col",
        )
    name = rest[0]
    row, bad = first_non_numeric(ptable.data[name])
    return InputError(
        f"no numeric prediction columns: {', '.join(repr(n) for n in rest[:10])} hold text "
        f"(first: {show(bad)})",
        file=ptable.source,
        row=row,
        column=name,
        hint=cell_hint(bad) or _layout_hint(ptable, "--pred-col"),
    )


def _looks_wide_target(target: Table, names: list[str]) -> bool:
    return all(target.data[n].dtype != object for n in names)
