"""Render: a :class:`~losscli.api.Report` as table, json, csv, tsv, markdown or value,
and per-sample losses as csv, tsv, jsonl, parquet or npy; files written atomically."""

from __future__ import annotations

import contextlib
import errno
import io
import json
import math
import os
import tempfile
from collections import deque
from collections.abc import Iterator
from typing import IO, Any

import numpy as np

from losscli.errors import InputError, UsageError
from losscli.report.model import Report

REPORT_FORMATS = ("table", "json", "csv", "tsv", "markdown", "value")
PER_SAMPLE_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".npy": "npy",
}
PREVIEW_ROWS = 5


def num(v: float) -> str:
    """Full precision, as Python's repr."""
    return repr(float(v))


def short(v: float) -> str:
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)
    return f"{v:.6g}"


def summary_rows(report: Report) -> list[tuple[str, str, str, float]]:
    """(kind, name, statistic, value) for every figure of the report."""
    rows: list[tuple[str, str, str, float]] = []
    for name, v in report.losses.items():
        rows.append(("loss", name, "mean", v["mean"]))
        rows.append(("loss", name, "sum", v["sum"]))
    for name, value in report.metrics.items():
        rows.append(("metric", name, "value", value))
    rows.append(("info", "n_samples", "value", float(report.n_samples)))
    return rows


def render(report: Report, fmt: str, *, color: bool = False, terminal: bool = False) -> str:
    if fmt == "value":
        if not report.losses:
            raise UsageError("--format value needs at least one loss")
        first = next(iter(report.losses.values()))
        return num(first["mean"]) + "\n"
    if fmt == "json":
        return report.to_json() + "\n"
    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        lines = [sep.join(("kind", "name", "statistic", "value"))]
        lines += [sep.join((k, n, s, num(v))) for k, n, s, v in summary_rows(report)]
        lines += [
            sep.join(("check", c.expr, "passed", str(bool(c.passed)).lower()))
            for c in report.checks
        ]
        return "\n".join(lines) + "\n"
    if fmt == "markdown":
        return _markdown(report)
    if fmt == "table":
        return _table(report, color=color, terminal=terminal)
    raise UsageError(f"unknown format {fmt!r}: one of {', '.join(REPORT_FORMATS)}")


def _markdown(report: Report) -> str:
    out = [
        f"**losscli** · task `{report.task}` · {report.n_samples} samples",
        "",
        "| kind | name | value |",
        "| --- | --- | ---: |",
    ]
    for name, v in report.losses.items():
        out.append(f"| loss (mean) | {name} | {short(v['mean'])} |")
    for name, value in report.metrics.items():
        out.append(f"| metric | {name} | {short(value)} |")
    if report.checks:
        out += [
            "",
            "| check | value | bound | margin | result |",
            "| --- | ---: | ---: | ---: | --- |",
        ]
        for c in report.checks:
            out.append(
                f"| `{c.expr}` | {short(_f(c.value))} | {short(c.bound)} | "
                f"{short(_f(c.margin))} | {'✅ pass' if c.passed else '❌ fail'} |"
            )
    if report.baseline:
        out += [
            "",
            "| figure | baseline | now | change | allowed | |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
        ]
        for b in report.baseline:
            out.append(
                f"| {b['name']} | {short(b['baseline'])} | {short(_f(b['value']))} | "
                f"{short(_f(b['change']))} | {short(b['allowed'])} | "
                f"{'❌ worse' if b['worse'] else '✅ ok'} |"
            )
    for w in report.warnings:
        out.append(f"\n> warning: {w}")
    return "\n".join(out) + "\n"


def _f(v: Any) -> float:
    return float(v) if v is not None else math.nan


def _table(report: Report, *, color: bool, terminal: bool) -> str:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    buf = io.StringIO()
    console = Console(
        file=buf,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        width=100,
        emoji=False,
        soft_wrap=False,
    )
    style = box.SIMPLE_HEAD if terminal else None
    head = Table(box=style, show_header=True, pad_edge=False, title=None)
    head.add_column("figure")
    head.add_column("value", justify="right")
    head.add_row("task", report.task)
    head.add_row("samples", str(report.n_samples))
    for name, v in report.losses.items():
        head.add_row(f"{name} (mean)", short(v["mean"]))
    for name, value in report.metrics.items():
        head.add_row(name, short(value))
    console.print(head)

    pv = report.preview
    if pv is not None and pv.first_index is not None:
        names = list(pv.first)
        label = "id" if pv.ids else "index"
        for title, idx, vals in (
            ("first rows", pv.first_index, pv.first),
            (f"worst rows by {names[0]}", pv.worst_index, pv.worst),
        ):
            t = Table(box=style, title=None, pad_edge=False)
            t.add_column(label, justify="right")
            for name in names:
                t.add_column(name, justify="right")
            for i in range(len(idx)):
                t.add_row(str(idx[i]), *(short(float(vals[m][i])) for m in names))
            console.print(f"{title}:")
            console.print(t)
    cm = report.confusion
    if cm is not None and len(cm["labels"]) <= 12 and not isinstance(cm["matrix"][0][0], list):
        t = Table(box=style, pad_edge=False)
        t.add_column("true \\ predicted")
        for label in cm["labels"]:
            t.add_column(str(label), justify="right")
        for label, row in zip(cm["labels"], cm["matrix"]):
            t.add_row(str(label), *(short(float(v)) for v in row))
        console.print("confusion matrix:")
        console.print(t)
    for c in report.checks:
        console.print(f"check {c.message}", markup=False, highlight=False)
    for b in report.baseline:
        verdict = "FAILED" if b["worse"] else "ok"
        console.print(f"baseline {verdict}: {b['message']}", markup=False, highlight=False)
    for w in report.warnings:
        console.print(f"warning: {w}")
    return buf.getvalue()


# ----------------------------------------------------------------------------- batch


def render_batch(result: Any, fmt: str, *, terminal: bool = False) -> str:
    """A batch report: one row per file (ranked when sorted) plus ``overall``."""
    if fmt == "json":
        return json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n"
    if fmt == "value":
        return render(result.overall, "value")
    overall = result.overall
    figures = [(n, "loss") for n in overall.losses] + [(n, "metric") for n in overall.metrics]

    def fig(report: Report, name: str, kind: str) -> float:
        return report.losses[name]["mean"] if kind == "loss" else report.metrics[name]

    rows = [(str(rank) if result.sort_by else "", f.file, f.report) for rank, f in result.ranked()]
    rows.append(("", "overall", overall))
    header = ["rank", "file", "n_samples", *[n for n, _ in figures]]
    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        lines = [sep.join(header)]
        for rank, name, rep in rows:
            lines.append(
                sep.join(
                    [rank, name, str(rep.n_samples), *(num(fig(rep, n, k)) for n, k in figures)]
                )
            )
        return "\n".join(lines) + "\n"
    if fmt == "markdown":
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for rank, name, rep in rows:
            cells = [
                rank,
                f"`{name}`" if name != "overall" else "**overall**",
                str(rep.n_samples),
                *(short(fig(rep, n, k)) for n, k in figures),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        lines += _markdown_gates(result)
        return "\n".join(lines) + "\n"
    from rich import box
    from rich.console import Console
    from rich.table import Table

    buf = io.StringIO()
    console = Console(
        file=buf,
        force_terminal=False,
        no_color=True,
        highlight=False,
        width=160,
        emoji=False,
        soft_wrap=False,
    )
    t = Table(box=box.SIMPLE_HEAD if terminal else None, pad_edge=False)
    for i, h in enumerate(header):
        t.add_column(h, justify="left" if i == 1 else "right")
    for rank, name, rep in rows:
        t.add_row(rank, name, str(rep.n_samples), *(short(fig(rep, n, k)) for n, k in figures))
    console.print(
        f"task: {overall.task}" + (f"; ranked by {result.sort_by}" if result.sort_by else "")
    )
    console.print(t)
    for line in _gate_lines(result):
        console.print(line)
    return buf.getvalue()


def _gates(result: Any) -> list[tuple[str, Any]]:
    out = [(f.file, c) for f in result.files if f.report is not None for c in f.report.checks]
    out += [("overall", c) for c in result.overall.checks]
    return out


def _gate_lines(result: Any) -> list[str]:
    lines = [f"check {where}: {c.message}" for where, c in _gates(result)]
    reports = [(f.file, f.report) for f in result.files if f.report is not None]
    for where, rep in [*reports, ("overall", result.overall)]:
        for b in rep.baseline:
            if b["worse"]:
                lines.append(f"baseline {where}: FAILED: {b['message']}")
    for f in result.skipped:
        lines.append(f"skipped: {f.error}")
    return lines


def _markdown_gates(result: Any) -> list[str]:
    lines = _gate_lines(result)
    return ["", *[f"- {line}" for line in lines]] if lines else []


# ----------------------------------------------------------------------------- per-sample


def per_sample_format(path: str) -> str:
    if path == "-":
        return "csv"
    ext = os.path.splitext(path.lower())[1]
    fmt = PER_SAMPLE_FORMATS.get(ext)
    if fmt is None:
        raise UsageError(
            f"--per-sample {path!r}: unknown extension {ext or '(none)'!r}; "
            f"use one of {', '.join(PER_SAMPLE_FORMATS)}"
        )
    return fmt


# threads formatting per-sample text while the next chunks are scored
FORMAT_THREADS = 2


class PerSampleWriter:
    """Writes per-sample losses chunk by chunk: columns ``index`` (or the ids) then one per
    loss.  CSV/TSV/JSONL as text with shortest round-trip floats (losscli.io.textrows),
    Parquet through pyarrow's writer one row group a chunk, NPY with its header patched
    once the length is known."""

    def __init__(self, fh: IO[bytes], fmt: str) -> None:
        self.fh = fh
        self.fmt = fmt
        self.rows = 0
        self.names: list[str] | None = None
        self._pq: Any = None
        self._npy_start = 0
        # text: float formatting is the cost (losscli.io.textrows); chunks are formatted on
        # worker threads while the next ones are scored, and written in order; a few in
        # flight at most
        self._pool: Any = None
        self._writer: Any = None
        self._pending: deque[Any] = deque()
        # where write-back was started, every 32 MiB (None: not a regular file)
        self._marks: list[int] | None = [0]
        if fmt in ("csv", "tsv", "jsonl"):
            from concurrent.futures import ThreadPoolExecutor

            from losscli.io import textrows

            # imported here, on the main thread: an import begun on a worker thread that
            # a Ctrl-C cuts short on the main thread can leave a module lock held, and the
            # worker (and the run's exit, which waits for it) stuck for good
            textrows.load_dependencies()
            self._pool = ThreadPoolExecutor(FORMAT_THREADS, thread_name_prefix="losscli-format")
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="losscli-write")

    def write(self, index: np.ndarray, values: dict[str, np.ndarray]) -> None:
        names = list(values)
        first = self.names is None
        self.names = names
        n = index.shape[0]
        if self.fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            from losscli.io.csvfast import from_numpy

            columns = [index, *values.values()]
            table = pa.Table.from_arrays([from_numpy(c) for c in columns], ["index", *names])
            if self._pq is None:
                # losses are distinct floats: dictionary encoding only costs time
                self._pq = pq.ParquetWriter(
                    self.fh, table.schema, use_dictionary=False, compression="snappy"
                )
            self._pq.write_table(table)
        elif self.fmt == "npy":
            if index.dtype.kind not in "biuf":
                raise UsageError(
                    "--per-sample .npy cannot hold non-numeric ids; use .csv or .parquet"
                )
            if first:
                self._npy_start = self.fh.tell()
                self.fh.write(self._npy_header(0, len(names) + 1))
            block = np.column_stack([index.astype(np.float64), *values.values()])
            self.fh.write(np.ascontiguousarray(block, dtype="<f8").tobytes())
        else:  # text: csv, tsv, jsonl
            from losscli.io import textrows

            columns = [index, *values.values()]
            if self.fmt == "jsonl":
                keys = ["index", *names]

                def fmt() -> list[Any]:
                    return textrows.jsonl_rows(keys, columns)

            else:
                sep = "," if self.fmt == "csv" else "\t"
                if first:
                    self.fh.write((sep.join(["index", *names]) + "\n").encode())

                def fmt() -> list[Any]:
                    return textrows.csv_rows(columns, sep)

            # one writer thread writes the formatted chunks in order, so that neither the
            # formatting nor the copy into the file holds up the scoring of the next chunk
            self._pending.append(
                self._writer.submit(self._write_when_ready, self._pool.submit(fmt))
            )
            while len(self._pending) > 4:
                self._pending.popleft().result()
        self.rows += n

    def close(self) -> None:
        """Write what is still being formatted and finish the file."""
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            self.abandon()
        if self._pq is not None:
            self._pq.close()
        if self.fmt == "npy" and self.names is not None:
            end = self.fh.tell()
            self.fh.seek(self._npy_start)
            self.fh.write(self._npy_header(self.rows, len(self.names) + 1))
            self.fh.seek(end)

    def _write_when_ready(self, formatting: Any) -> None:
        for buf in formatting.result():
            self.fh.write(buf)
        self._start_writeback()

    def _start_writeback(self) -> None:
        """Every 32 MiB of text: have the kernel start writing it out, and drop from the
        page cache what was written two steps before (on disk by now).  The fsync that
        makes the file durable then finds little left to do, and the page cache reuses
        the same few dozen MiB instead of taking fresh memory for every page of the
        file (on a virtual machine, memory first touched costs more than the copy into
        it: a third of a second for 300 MB here).  POSIX_FADV_DONTNEED starts the
        write-back of dirty pages without waiting, and drops clean ones.  A pipe, or a
        platform without fadvise, is left alone."""
        marks = self._marks
        if marks is None:
            return
        try:
            end = self.fh.tell()
            if end - marks[-1] < 32 << 20:
                return
            self.fh.flush()
            fd = self.fh.fileno()
            os.posix_fadvise(fd, marks[-1], end - marks[-1], os.POSIX_FADV_DONTNEED)
            if len(marks) >= 3:
                os.posix_fadvise(fd, marks[-3], marks[-2] - marks[-3], os.POSIX_FADV_DONTNEED)
            marks.append(end)
            del marks[:-3]
        except (AttributeError, OSError, ValueError):  # not a regular file, or no fadvise
            self._marks = None

    def abandon(self) -> None:
        """Stop the formatting and writing threads (a failed run, or after the last
        write)."""
        for f in self._pending:
            f.cancel()
        self._pending.clear()
        for pool in (self._pool, self._writer):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        self._pool = self._writer = None

    @staticmethod
    def _npy_header(rows: int, cols: int) -> bytes:
        """A version 1.0 header padded to a fixed 128 bytes, so it can be rewritten."""
        d = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, cols)
        body = d.ljust(128 - 10 - 1) + "\n"
        return b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body.encode("latin1")


def _final_mode(path: str) -> int:
    """An existing file keeps its mode; a new one gets 0666 less the umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_writer(path: str) -> Iterator[IO[bytes]]:
    """Write to a temporary file beside ``path`` and rename it into place on success."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".losscli-", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", file=path) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            try:
                yield fh
            except OSError as exc:
                if getattr(exc, "errno", None) in _WRITE_ERRNOS:  # a write into fh failed
                    raise _cannot_write(path, exc) from None
                raise
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _final_mode(path))  # mkstemp makes 0600; give the usual mode
        os.replace(tmp, path)
    except OSError as exc:  # flush, fsync, close, rename: the disk said no
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _cannot_write(path, exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO}


def _cannot_write(path: str, exc: OSError) -> InputError:
    hint = (
        "free some space or write elsewhere" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else None
    )
    return InputError(
        f"cannot write: {exc.strerror or exc}; nothing was written", file=path, hint=hint
    )


# ----------------------------------------------------------------------------- JUnit


def junit_xml(
    reports: list[tuple[str, Report]], *, errors: list[tuple[str, str]] | None = None
) -> bytes:
    """JUnit XML for CI test views: a testsuite per report (a file, or ``overall``), a
    testcase per ``--check`` and per baseline figure, failures carrying value and bound.
    A report with no gate gets one passing ``evaluate`` testcase; files skipped with
    ``--skip-errors`` appear as errored testcases."""
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="losscli")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for where, rep in reports:
        cases = [
            (f"check {c.expr}", None if c.passed else c.message, c.message) for c in rep.checks
        ]
        cases += [
            (f"baseline {b['name']}", b["message"] if b["worse"] else None, b["message"])
            for b in rep.baseline
        ]
        if not cases:
            cases.append(("evaluate", None, f"{rep.n_samples} samples; {rep.signature}"))
        failures = sum(f is not None for _, f, _ in cases)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"losscli {where}",
            tests=str(len(cases)),
            failures=str(failures),
            errors="0",
        )
        for name, failure, output in cases:
            tc = ET.SubElement(suite, "testcase", classname=f"losscli.{where}", name=name)
            if failure is not None:
                ET.SubElement(tc, "failure", message=failure, type="GateFailed").text = failure
            ET.SubElement(tc, "system-out").text = output
        totals["tests"] += len(cases)
        totals["failures"] += failures
    if errors:
        suite = ET.SubElement(root, "testsuite", name="losscli skipped")
        suite.set("tests", str(len(errors)))
        suite.set("errors", str(len(errors)))
        suite.set("failures", "0")
        for file, message in errors:
            tc = ET.SubElement(suite, "testcase", classname="losscli.input", name=file)
            ET.SubElement(tc, "error", message=message, type="InputError").text = message
        totals["tests"] += len(errors)
        totals["errors"] += len(errors)
    for k, v in totals.items():
        root.set(k, str(v))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
