"""The Dask engine (``--engine dask``): the local engine's evaluation spread over a cluster.

A dataset (a glob or directory of shards, or an fsspec URL read by Dask's own
readers) is cut into *parts*: one shard file (paired with its predictions and
weights shards in two-file mode) or one partition of a Dask DataFrame.  Each
part is scored on a worker by :class:`PartScorer`, the per-chunk loop of
:func:`losscli.api.evaluate` (``validate.prepare`` -> ``api.update``), and comes
back as a :class:`PartResult` holding its :class:`~losscli.scoring.accumulate.Accumulator`
(sums, never means).  The client merges the parts in their sorted order with
:meth:`Accumulator.merge` and builds the report with :func:`api.build_report` and
:func:`api.apply_gates`, so the figures equal ``--engine local``.

What the local engine carries from one chunk to the next (the reading and its
task, taken on the input's first rows, and whether predictions are raw scores or
probabilities, decided by its first non-empty chunk) is learnt from the parts
in order (:class:`Carried`): every part runs at once with its own inference,
and the rare part that decided differently from the input's first one is
scored again with the carried settings.  Each part also sums up what it shows
about the input's reading (:class:`losscli.validate.whole.Facts`); merged over
the parts, they give the whole input's reading, and when it differs from the
first rows' (or a part contradicts them) every part is scored once more with
it, as the local engine reads its input again: the result is exactly the local
engine's.  Rows are numbered over the whole input, as locally: each part's
rows are shifted by the rows of the parts before it.

Errors raised by losscli on a worker are returned as values (with their file,
row, column and hint), and the client raises the one of the earliest part, as
the local engine would meet it.  A worker lost mid-run makes Dask recompute its
tasks; if that fails too, the run stops with a :class:`DaskEngineError` (exit 3),
never a partial result: the number of parts merged is checked.

The package, one concept a module: :mod:`.spec` (the options), :mod:`.urls` (fsspec
URLs), :mod:`.dataset` (the input cut into parts), :mod:`.parts` (a part scored on a
worker), :mod:`.cluster` (connecting, fetching, :class:`DaskEngineError`),
:mod:`.carried` (what is learnt from the parts in order), :mod:`.merge` (the parts
folded into one report), :mod:`.run` (:func:`evaluate`, :func:`evaluate_batch`) and
:mod:`.compare` (``compare``: pairs of shards scored by the local compare's loop).
This module is the public face: the names below.
"""

from losscli.engines.dask.cluster import DaskEngineError, require
from losscli.engines.dask.compare import compare
from losscli.engines.dask.dataset import Part
from losscli.engines.dask.parts import score_part
from losscli.engines.dask.run import evaluate, evaluate_batch
from losscli.engines.dask.spec import make_spec

__all__ = [
    "DaskEngineError",
    "Part",
    "compare",
    "evaluate",
    "evaluate_batch",
    "make_spec",
    "require",
    "score_part",
]
