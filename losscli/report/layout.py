"""Plain-text tables that fit the terminal: the width (``COLUMNS``, else the terminal's,
else 80), columns folded into blocks that repeat their key columns, long names shortened
from the middle, long lines wrapped at words, and ANSI styles (bold headers, coloured
verdicts) only when colour was asked for.  No line is ever longer than the width it was
given (a width under :data:`MIN_WIDTH` is taken as that).  Numbers are never shortened:
a column too wide for a block gets a block of its own."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Sequence
from typing import Any

MIN_WIDTH = 40
GAP = "  "  # between two columns
ELLIPSIS = "…"
RULE = "─"
ANSI = {"bold": "1", "red": "31", "green": "32", "yellow": "33", "dim": "2"}


def terminal_width(stream: Any = None) -> int:
    """``COLUMNS`` when set (a whole number), else the width of the terminal behind
    ``stream``, stdout or stderr, else 80."""
    env = os.environ.get("COLUMNS", "").strip()
    if env.isdigit() and int(env) > 0:
        return max(int(env), MIN_WIDTH)
    import sys

    for s in (stream, sys.stdout, sys.stderr):
        try:
            fd = s.fileno()
        except (AttributeError, OSError, ValueError):
            continue
        try:
            if os.isatty(fd):
                return max(os.get_terminal_size(fd).columns, MIN_WIDTH)
        except OSError:
            continue
    return max(shutil.get_terminal_size((80, 24)).columns, MIN_WIDTH)


def styled(text: str, style: str | None, color: bool) -> str:
    """``text`` in an ANSI ``style`` (``bold``, ``red``, ...) when ``color``."""
    if not color or not style or not text:
        return text
    codes = ";".join(ANSI[s] for s in style.split())
    return f"\x1b[{codes}m{text}\x1b[0m"


def middle(text: str, width: int) -> str:
    """``text`` shortened from the middle to ``width`` characters (``model_…_v3.csv``)."""
    if len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    keep = width - 1
    head = (keep + 1) // 2
    return text[:head] + ELLIPSIS + text[len(text) - (keep - head) :]


def wrap(text: str, width: int, indent: str = "  ") -> list[str]:
    """One message as lines of at most ``width`` characters, continued lines indented."""
    width = max(width, MIN_WIDTH)
    out: list[str] = []
    for para in text.split("\n"):
        if len(para) <= width:
            out.append(para)
            continue
        out += textwrap.wrap(
            para,
            width=width,
            subsequent_indent=indent,
            break_long_words=True,
            break_on_hyphens=False,
        ) or [""]
    return out


def _total(widths: Sequence[int]) -> int:
    return sum(widths) + len(GAP) * max(len(widths) - 1, 0)


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    width: int,
    right: Sequence[bool] | None = None,
    keys: int = 1,
    shrink: Sequence[int] = (),
    header_shrink: bool = False,
    rule: bool = False,
    color: bool = False,
) -> list[str]:
    """The lines of a table of at most ``width`` characters.

    Too wide, it is folded: the first ``keys`` columns (names, files, labels) start every
    block, the other columns follow in order, as many a block as fit.  Before that, the
    cells of the ``shrink`` columns (names, never numbers) are shortened from the middle
    down to a third of the width, and with ``header_shrink`` the headers of the other
    columns (class names) down to their widest cell (at least 6 characters)."""
    width = max(width, MIN_WIDTH)
    n = len(header)
    right = list(right) if right is not None else [i >= keys for i in range(n)]
    head = [str(h) for h in header]
    body = [[str(c) for c in r] for r in rows]

    def widths() -> list[int]:
        return [max([len(head[i]), *(len(r[i]) for r in body)]) for i in range(n)]

    w = widths()
    if _total(w) > width:
        floor = max(10, width // 3)
        for c in shrink:
            if w[c] > floor:
                cap = max(floor, w[c] - (_total(w) - width))
                head[c] = middle(head[c], cap)
                for r in body:
                    r[c] = middle(r[c], cap)
                w = widths()
        if header_shrink:
            for c in range(keys, n):
                cells = max([0, *(len(r[c]) for r in body)])
                cap = max(cells, 6)
                if len(head[c]) > cap and _total(w) > width:
                    head[c] = middle(head[c], cap)
            w = widths()
    blocks: list[list[int]] = []
    key_cols = list(range(min(keys, n)))
    current: list[int] = []
    for c in range(len(key_cols), n):
        if current and _total([w[i] for i in key_cols + current + [c]]) > width:
            blocks.append(current)
            current = []
        current.append(c)
    if current or not blocks:
        blocks.append(current)
    out: list[str] = []
    for b, cols in enumerate(blocks):
        cols = key_cols + cols
        if b:
            out.append("")
        line = _line([head[i] for i in cols], [w[i] for i in cols], [right[i] for i in cols])
        out.append(styled(line, "bold", color) if rule or color else line)
        if rule:
            out.append(RULE * min(_total([w[i] for i in cols]), width))
        for r in body:
            out.append(_line([r[i] for i in cols], [w[i] for i in cols], [right[i] for i in cols]))
    return out


def _line(cells: Sequence[str], widths: Sequence[int], right: Sequence[bool]) -> str:
    return GAP.join(
        c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right)
    ).rstrip()


def drop_prefix(labels: Sequence[str], width: int) -> tuple[list[str], str]:
    """Column headers for ``labels`` (class names): without the prefix they all share
    (``class_03`` -> ``03``) when the names are too long for one row of ``width`` and
    the prefix is at least 3 characters; the prefix dropped (``""`` for none)."""
    labels = [str(x) for x in labels]
    if len(labels) < 2 or _total([len(x) for x in labels]) <= width // 2:
        return labels, ""
    prefix = os.path.commonprefix(labels)
    cut = max(prefix.rfind(c) for c in "_-. /:")  # at a separator: `class_07`, not `7`
    prefix = prefix[: cut + 1] if cut >= 0 else prefix
    if len(prefix) < 3 or any(len(x) == len(prefix) for x in labels):
        return labels, ""
    return [x[len(prefix) :] for x in labels], prefix
