"""A batch of alike small CSV files: what :func:`losscli.engines.local.run` decides for each
file taken once for every file of the same header (:func:`losscli.engines.batch.evaluate_batch`).

``run`` reads a file, decides the roles of its columns from its header and first rows,
reads its first rows (task, hard labels, scores or probabilities), gathers what the whole
file shows and compares the two readings, then scores it.  Over 1,000 files of the same
header most of that is the same every time.  :class:`Alike` keeps, for each header seen
in a file scored the ordinary way, a :class:`Template`: the header's bytes, the columns'
roles and the reading of a binary file of 0/1 targets beside probabilities.  A later
file with the same header line is scored from its bytes (:func:`losscli.io.plaincsv
.plain_columns`) with the template's roles and reading when it shows nothing that could
decide otherwise (:meth:`Template.fits`):

- its body is plain numbers, ``width`` a line (no blank, quoted or ragged line, empty
  cell, ``nan``, text);
- every target is 0 or 1 and every prediction a number in [0, 1] (then the first rows
  and the whole file read as a binary task of probabilities, as the template's; nothing
  is read again);
- some prediction among the first rows is neither 0 nor 1 (else they would be hard
  labels, or a note would say they were taken as probabilities);
- a prediction column not named as one does not count the rows (else the roles' error).

Any other file -- and any error on the way, whatever its kind -- is scored by ``run``
itself, so its report, its warnings and which bad row its error names are the ordinary
path's.  A file that fits is scored by the same :class:`~losscli.engines.local.Scorer`
in the same pieces (its first rows, then the rest), so the sums are the same bits.  A
template is checked once where it is made: the file it comes from is scored both ways,
and a difference turns the fast path off for that header.

The fast path runs only when the options read files as ``run`` reads them by default
(:func:`eligible`): one file holding both columns, no ``--weights``, ``--id-col``,
``--group-by``, column flags, ``--pos-label``, ``--classes``, ``--ci``, ``--per-class``,
``--from-logits``, ``--chunk-size``, ``--no-header``, ``--decimal ,``; ``--task`` auto or
binary.
"""

from __future__ import annotations

import os
import pickle
import stat
from dataclasses import dataclass, replace

import numpy as np

from losscli import phases
from losscli.engines.local import Scorer, make_request, make_settings
from losscli.engines.state import conclude
from losscli.errors import LossCliError
from losscli.io import dialect
from losscli.io.delimited import SMALL_TEXT
from losscli.io.formats import detect_format
from losscli.io.plaincsv import plain_columns
from losscli.io.table import Table
from losscli.options import EvalOptions
from losscli.report.checks import parse_checks
from losscli.report.gates import apply_gates
from losscli.report.model import Report
from losscli.scoring.plan import Plan
from losscli.validate import labels, roles, whole
from losscli.validate.columns import Raw, decide

MAX_TEMPLATES = 8  # headers kept per process


def eligible(o: EvalOptions) -> bool:
    """The options read every file as the fast path does (see the module's docstring)."""
    return (
        o.task in ("auto", "binary")
        and o.weights is None
        and o.id_col is None
        and o.group_by is None
        and o.target_col is None
        and o.pred_col is None
        and o.pos_label is None
        and not o.classes
        and not o.ci
        and not o.per_class
        and not o.from_logits
        and o.chunk_rows is None
        and o.header
        and o.baseline is None
        and o.decimal in (None, ".")
        and o.input_format in (None, "csv", "tsv")
    )


@dataclass(frozen=True)
class Template:
    """What every file of one header reads as: roles and reading (see the module)."""

    header: bytes  # the header line, its line end included
    fmt: str
    sep: bytes
    width: int
    target: int  # the target column's position
    pred: int
    target_name: str
    pred_name: str
    pred_named: bool  # the prediction column's name says so (no row-counter check)
    reading: labels.Reading
    plan: Plan | None = None  # the plan run made of the reading (shared by the files)

    def fits(self, y: np.ndarray, p: np.ndarray) -> bool:
        """The file reads as the template's (see the module's docstring)."""
        if not bool(np.all((y == 0) | (y == 1))):
            return False
        if not bool(np.all((p >= 0) & (p <= 1))):  # NaN fails too
            return False
        head = p[: whole.HEAD_ROWS]
        if bool(np.all((head == 0) | (head == 1))):
            return False
        return self.pred_named or roles.row_counter(p) is None


class Alike:
    """The fast path of one batch's files in one process (see the module's docstring)."""

    def __init__(self, options: EvalOptions) -> None:
        self.options = options
        self.on = eligible(options)
        self.templates: dict[bytes, Template | None] = {}
        self.fast = 0  # files scored by the fast path (for tests)
        self.mismatched = 0  # templates turned off by their check (for tests)
        if self.on:
            self.settings = make_settings(options)
            self.checks = parse_checks(options.checks, options.tolerance, options.atol)
            self.dialect = dialect.make(options.delimiter, options.decimal)

    def report(self, path: str) -> Report | None:
        """The report of ``path`` by the fast path, or None: score it with ``run``."""
        if not self.on or not self.templates:
            return None
        found = self._read(path)
        if found is None:
            return None
        data, fmt = found
        header = data[: data.find(b"\n") + 1]
        t = self.templates.get(header)
        if t is None or t.fmt != fmt:
            return None
        cols = plain_columns(data[len(header) :], t.sep, t.width)
        if cols is None:
            return None
        y, p = cols[t.target], cols[t.pred]
        if not t.fits(y, p):
            return None
        try:
            report = self._score(path, y, p, t)
        except LossCliError:
            return None  # run says it, with its own message
        self.fast += 1
        return report

    def learn(self, path: str, report: Report) -> None:
        """``report`` (by ``run``) of ``path``: a template of its header when it has none."""
        if not self.on or len(self.templates) >= MAX_TEMPLATES:
            return
        found = self._read(path)
        if found is None:
            return
        data, fmt = found
        header = data[: data.find(b"\n") + 1]
        if not header or header in self.templates:
            return
        self.templates[header] = None  # tried once
        t = self._template(path, data, header, fmt)
        if t is None:
            return
        cols = plain_columns(data[len(header) :], t.sep, t.width)
        assert cols is not None
        y, p = cols[t.target], cols[t.pred]
        try:
            again = self._score(path, y, p, t)
        except LossCliError:
            self.mismatched += 1
            return
        if not same(again, report):
            self.mismatched += 1
            return
        self.templates[header] = replace(t, plan=report.plan)

    def _read(self, path: str) -> tuple[bytes, str] | None:
        """The bytes of a small local CSV/TSV file and its format, or None."""
        if "://" in path or any(c in path for c in "*?["):
            return None
        try:
            fmt, gz = detect_format(path, self.options.input_format)
        except LossCliError:
            return None
        if gz or fmt not in ("csv", "tsv"):
            return None
        try:
            with open(path, "rb") as fh:
                st = os.fstat(fh.fileno())
                if not stat.S_ISREG(st.st_mode) or st.st_size >= SMALL_TEXT:
                    return None
                return fh.read(), fmt
        except OSError:
            return None

    def _template(self, path: str, data: bytes, header: bytes, fmt: str) -> Template | None:
        """The template of a file scored by ``run`` (None when it is not one the fast path
        can take: two columns, a target and a prediction by name, a binary reading)."""
        try:
            sep = self.dialect.sep(fmt).encode()
        except LossCliError:
            return None
        line = header[:-2] if header.endswith(b"\r\n") else header[:-1]
        if b"\r" in line or b'"' in line:
            return None
        try:
            names = [c.strip() for c in line.decode("utf-8-sig").split(sep.decode())]
        except UnicodeDecodeError:
            return None
        if len(names) != 2 or len(set(names)) != 2 or any(roles.is_id_name(n) for n in names):
            return None
        cols = plain_columns(data[len(header) :], sep, 2)
        if cols is None:
            return None
        table = Table(path, names, dict(zip(names, cols)), True)
        try:
            r = decide(table, None)
        except LossCliError:
            return None
        if (
            len(r.targets) != 1
            or len(r.preds) != 1
            or r.id_target is not None
            or r.id_pred is not None
            or r.notes
            or r.text_preds
        ):
            return None
        ti, pi = names.index(r.targets[0]), names.index(r.preds[0])
        head = whole.HEAD_ROWS
        raw = _raw(path, cols[ti][:head], cols[pi][:head], names[ti], names[pi])
        s = self.settings
        try:
            reading = labels.read(
                raw, task=s.task, request=make_request(s), pos_label=None, columns_given=False
            )
        except LossCliError:
            return None
        if whole.key(reading) != ("binary", False, None, False, None) or reading.notes:
            return None
        if reading.pending is not None or reading.neg is not None:
            return None
        named = roles.is_pred_name(names[pi])
        t = Template(header, fmt, sep, 2, ti, pi, names[ti], names[pi], named, reading)
        return t if t.fits(cols[ti], cols[pi]) else None

    def _score(self, path: str, y: np.ndarray, p: np.ndarray, t: Template) -> Report:
        """``run``'s scoring of a file whose roles and reading are ``t``'s."""
        o = self.options
        phases.phase("reading")
        raw = _raw(path, y, p, t.target_name, t.pred_name)
        raw.complete = True
        raw.head_rows = whole.HEAD_ROWS
        scorer = Scorer(self.settings, reading=t.reading, plan=t.plan)
        scorer.preview = False
        for piece in whole.parts(raw):  # its first rows, then the rest, as run scores it
            scorer.feed(piece)
        report = conclude(scorer.state, scorer.plan, source=path, strict=o.strict, weights=None)
        return apply_gates(report, self.checks, None, o.tolerance, o.atol)


def _raw(path: str, y: np.ndarray, p: np.ndarray, target: str, pred: str) -> Raw:
    """The chunk :func:`losscli.validate.columns.select` makes of the two columns."""
    return Raw(
        y=y.reshape(-1, 1),
        p=p.reshape(-1, 1),
        pred_names=[pred],
        target_names=[target],
        target_source=path,
        pred_source=path,
        notes=[],
    )


def same(a: Report, b: Report) -> bool:
    """Two reports of one file alike to the bit: every figure, message and sum."""
    if a.to_dict() != b.to_dict():
        return False
    dump = pickle.HIGHEST_PROTOCOL
    return pickle.dumps(a.accumulator, dump) == pickle.dumps(b.accumulator, dump)
