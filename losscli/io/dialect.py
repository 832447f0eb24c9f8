"""Dialects of delimited text: the field separator and the decimal mark of CSV/TSV input.

The one place that decides the separator of a file (:meth:`Dialect.sep`): ``--delimiter``
when given, else the one its format implies (a tab for TSV, a comma for CSV).  Decimal
commas (``--decimal ,``) are read by every path (the csv module, pandas, pyarrow); with
them a cell written with a decimal point (``0.5``, ``1.234``) is not a number, since in
such a file ``1.234`` may well mean 1234.  A file read with the comma that holds one
column whose name contains ``;``, ``|`` or a tab stops with a hint naming ``--delimiter``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from losscli.errors import InputError, UsageError, show
from losscli.io.table import to_float, to_float_column

_TAB_SPELLINGS = ("\t", "\\t", "tab", "TAB", "Tab")
_FORBIDDEN = '"\r\n\x00.+-'


@dataclass(frozen=True)
class Dialect:
    """``delimiter``: the separator given (None: the format's); ``decimal``: ``.`` or ``,``."""

    delimiter: str | None = None
    decimal: str = "."

    def sep(self, fmt: str) -> str:
        """The field separator of a file of format ``fmt`` (``csv`` or ``tsv``)."""
        sep = self.delimiter or ("\t" if fmt == "tsv" else ",")
        if sep == self.decimal:
            raise UsageError(
                "--decimal , needs --delimiter with another separator: the comma cannot be "
                "both the separator and the decimal mark",
                hint="pass the file's separator, e.g. --delimiter ';'",
            )
        return sep


DEFAULT = Dialect()


def make(delimiter: str | None = None, decimal: str | None = ".") -> Dialect:
    """The dialect of ``--delimiter`` / ``--decimal``, checked (a :class:`UsageError`)."""
    sep = parse_delimiter(delimiter) if delimiter is not None else None
    mark = "." if decimal is None else decimal
    if mark not in (".", ","):
        raise UsageError(f"--decimal must be '.' or ',', got {show(mark)}")
    if sep is not None and sep == mark:
        raise UsageError(
            "--delimiter , and --decimal , exclude each other: the comma cannot be both the "
            "separator and the decimal mark",
            hint="pass the file's separator, e.g. --delimiter ';'",
        )
    if sep is None and mark == "." and delimiter is None:
        return DEFAULT
    return Dialect(sep, mark)


def parse_delimiter(text: str) -> str:
    """``--delimiter``: one character; ``\\t`` and ``tab`` spell a tab."""
    if text in _TAB_SPELLINGS:
        return "\t"
    if len(text) != 1:
        what = "an empty value" if not text else f"{len(text)} characters ({show(text)})"
        raise UsageError(
            f"--delimiter takes one character, got {what}",
            hint="for example --delimiter ';', --delimiter '|' or --delimiter '\\t' (a tab)",
        )
    if text in _FORBIDDEN or text.isalnum() or not text.isascii() or not text.isprintable():
        raise UsageError(
            f"--delimiter {show(text)} cannot separate fields: it is part of numbers, "
            "quoting or line ends",
            hint="for example --delimiter ';', --delimiter '|' or --delimiter '\\t' (a tab)",
        )
    return text


_SEPARATORS = ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes"))
_COMMA_NUMBER = re.compile(r"[+-]?\d*,\d+")


def check_one_column(fields: list[str], lines: list[str], path: str, sep: str) -> None:
    """A first row read as one field that holds another separator: an input error naming
    ``--delimiter`` (and ``--decimal ,`` when the cells look like ``0,25``).  ``lines``: the
    first lines of the data, to look at the cells."""
    if len(fields) != 1:
        return
    for other, name in _SEPARATORS:
        if other == sep or other not in fields[0] or len(fields[0].split(other)) < 2:
            continue
        cells = [c.strip() for line in lines[:20] for c in line.split(other)]
        flag = "'\\t'" if other == "\t" else repr(other)
        hint = f"pass --delimiter {flag}"
        if any(_COMMA_NUMBER.fullmatch(c) for c in cells):
            hint += " and --decimal , : the numbers have decimal commas"
        raise InputError(
            f"the file seems to be separated by {name}, not {_sep_name(sep)}: its first row is "
            f"one column {show(fields[0][:60])}",
            file=path,
            hint=hint,
        )


def check_text_head(text: str, path: str, sep: str) -> None:
    """:func:`check_one_column` on the first lines of ``text`` (without a csv parser)."""
    lines = text.lstrip("\ufeff").splitlines()[:21]
    lines = [line for line in lines if line.strip()]
    if not lines or '"' in lines[0]:
        return
    check_one_column(lines[0].split(sep), lines[1:] or lines, path, sep)


def _sep_name(sep: str) -> str:
    return {",": "commas", "\t": "tabs", ";": "semicolons", "|": "pipes"}.get(sep, repr(sep))


def comma_decimals(
    table_data: dict[str, np.ndarray], names: list[str], path: str, row0: int
) -> None:
    """With ``--decimal ,``: text columns whose cells are decimal-comma numbers become
    numbers (a chunk whose column was typed as text elsewhere), and a cell that is a number
    only with a decimal point (``0.5``, which the later stages would read as one, or
    ``1.234``, which may mean 1234) is an input error; ``row0``: rows before this chunk."""
    for name in names:
        col = table_data[name]
        if col.dtype != object or col.ndim != 1:
            continue
        out = np.empty(col.shape[0], dtype=np.float64)
        for i, v in enumerate(col):
            try:
                out[i] = to_float(v, ",") if isinstance(v, str) else _number(v)
            except (ValueError, TypeError):
                if isinstance(v, str) and to_float_column(np.array([v], dtype=object)) is not None:
                    raise InputError(
                        f"{show(v.strip())} is written with a decimal point, but --decimal , "
                        "says the decimal mark is a comma",
                        file=path,
                        row=row0 + i + 1,
                        column=name,
                        hint="write every number with a decimal comma and no thousands "
                        "separator, or drop --decimal ,",
                    ) from None
                break
        else:
            table_data[name] = out


def _number(v: object) -> float:
    if v is None:
        return float("nan")
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        return float(v)
    raise TypeError(type(v).__name__)
