"""Warnings and notes about the whole input, as mergeable accumulators.

A chunk's check does not write a sentence; it records a :class:`Message`: its kind, how
many rows showed it, the first of them and an example value.  :class:`Messages` sums the
counts of one kind over the chunks (rows renumbered from the start of the input), the
batch processes and the Dask parts, keeping the first row and its example; the report
gets one line per kind at the end, so it does not depend on ``--chunk-size``, ``--jobs``
or ``--engine``.

A template names the count as ``{count}``, the first row as ``{first}``, the example as
``{example}`` and the file of the first row as ``{where}`` (plain replacement, not
:meth:`str.format`: file names may hold braces).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace


@dataclass
class Message:
    """One kind of problem (or assumption) seen in ``count`` rows, the first of them
    ``first`` (1-based; of the chunk when a check makes it, of the input once added to
    :class:`Messages` with the chunk's offset)."""

    kind: str  # the identity: messages of one kind are merged
    text: str  # the template
    count: int = 1
    first: int | None = None
    example: str = ""  # of the first row, as is ``where``
    where: str = ""  # the file of the first row (a shard of a dataset, say)

    def render(self) -> str:
        first = "" if self.first is None else str(self.first)
        return (
            self.text.replace("{count}", f"{self.count:,}")
            .replace("{first}", first)
            .replace("{example}", self.example)
            .replace("{where}", self.where)
        )


class Messages:
    """Messages by kind; :meth:`add` and :meth:`merge` in input order."""

    def __init__(self, items: Iterable[Message | str] = ()) -> None:
        self.kinds: dict[str, Message] = {}
        for m in items:
            self.add(m)

    def add(self, m: Message | str, offset: int = 0) -> None:
        """One chunk's message; its row is shifted by ``offset`` (the rows before the
        chunk).  A plain string is a kind of its own, said once."""
        if isinstance(m, str):
            m = Message(kind=m, text=m)
        have = self.kinds.get(m.kind)
        first = None if m.first is None else m.first + offset
        if have is None:
            self.kinds[m.kind] = replace(m, first=first)
            return
        have.count += m.count
        if first is not None and (have.first is None or first < have.first):
            have.first, have.example, have.where = first, m.example, m.where

    def append(self, m: Message | str) -> None:
        self.add(m)

    def merge(self, other: Messages, offset: int = 0) -> None:
        """The messages of the piece of input after this one (``offset``: its first row's
        number minus one, if its rows are numbered from its own start)."""
        for m in other.kinds.values():
            self.add(m, offset)

    def lines(self) -> list[str]:
        """One line per kind: kinds with a row by their first row, then the others by
        name, so the order does not depend on the chunking either."""
        with_row = sorted(
            (m for m in self.kinds.values() if m.first is not None),
            key=lambda m: (m.first, m.kind),
        )
        without = sorted((m for m in self.kinds.values() if m.first is None), key=lambda m: m.kind)
        return [m.render() for m in [*with_row, *without]]

    def __iter__(self) -> Iterator[str]:
        return iter(self.lines())

    def __len__(self) -> int:
        return len(self.kinds)

    def __bool__(self) -> bool:
        return bool(self.kinds)
