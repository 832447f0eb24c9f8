"""glibc's heap kept for a chunk's temporary arrays (engines/heap.py): chunk after chunk,
their pages are not faulted in again; a user's malloc variables are left alone."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import child_env

from losscli.engines import heap

LOOP = """
import resource, sys
import numpy as np
from losscli.engines import heap
if sys.argv[1] == "kept":
    heap.keep_chunk_memory(250_000)
y, p = np.random.rand(250_000), np.random.rand(250_000)
for _ in range(3):  # the first chunks fault their arrays in
    d = p - y; m = np.isfinite(d); del d, m
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):  # a chunk: a difference, its square, a mask, freed
    d = p - y; s = d * d; m = np.isfinite(s); big = np.concatenate([d, s]); del d, s, m, big
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode: str, env: dict[str, str] | None = None) -> int:
    # without the malloc variables of this process (a Dask LocalCluster sets
    # MALLOC_TRIM_THRESHOLD_ in its parent's environment for its workers)
    clean = {k: v for k, v in child_env().items() if not k.startswith("MALLOC_")}
    proc = subprocess.run(
        [sys.executable, "-c", LOOP, mode],
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_chunk_arrays_come_from_the_kept_heap() -> None:
    plain, kept = _faults("plain"), _faults("kept")
    # 20 chunks of 2-4 MB arrays: about 20 x 1,500 pages faulted in without it
    assert plain > 10_000, plain
    assert kept < plain / 5, (kept, plain)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_a_users_malloc_settings_decide() -> None:
    assert _faults("kept", {"MALLOC_ARENA_MAX": "2"}) > 10_000


def test_once_a_process_and_only_for_chunks_of_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    made: list[int] = []
    real = np.empty
    monkeypatch.setattr(np, "empty", lambda n, dtype=None: made.append(n) or real(n, dtype))
    monkeypatch.setattr(heap, "_done", False)
    monkeypatch.setattr(sys, "platform", "linux")
    for k in [k for k in os.environ if k.startswith("MALLOC_") or k == "GLIBC_TUNABLES"]:
        monkeypatch.delenv(k)
    heap.keep_chunk_memory(1_000)  # the first rows of an input: not yet
    assert made == []
    heap.keep_chunk_memory(250_000)
    heap.keep_chunk_memory(250_000)
    assert made == [heap.BLOCK]
