"""losscli/io/atomic.py: symlinks written through, FIFOs and devices in place, stale
temporary files of ours removed and nothing else."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from losscli.errors import InputError
from losscli.io import atomic


def test_symlink_is_written_through_and_kept(tmp_path: Path) -> None:
    (tmp_path / "real").write_bytes(b"old")
    (tmp_path / "link").symlink_to("real")
    with atomic.atomic_writer(str(tmp_path / "link")) as fh:
        fh.write(b"new")
    assert (tmp_path / "link").is_symlink()
    assert (tmp_path / "real").read_bytes() == b"new"


def test_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    (tmp_path / "link").symlink_to("made")
    with atomic.atomic_writer(str(tmp_path / "link")) as fh:
        fh.write(b"x")
    assert (tmp_path / "made").read_bytes() == b"x" and (tmp_path / "link").is_symlink()


def test_failed_write_through_a_symlink_keeps_the_target(tmp_path: Path) -> None:
    (tmp_path / "real").write_bytes(b"old")
    (tmp_path / "link").symlink_to("real")
    with pytest.raises(RuntimeError), atomic.atomic_writer(str(tmp_path / "link")) as fh:
        fh.write(b"half")
        raise RuntimeError
    assert (tmp_path / "real").read_bytes() == b"old"
    assert [n for n in os.listdir(tmp_path) if n.endswith(".tmp")] == []


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_device_is_written_in_place(tmp_path: Path) -> None:
    with atomic.atomic_writer("/dev/null") as fh:
        fh.write(b"x")
    with pytest.raises(InputError, match="/dev/full: cannot write"):
        with atomic.atomic_writer("/dev/full") as fh:
            fh.write(b"x" * 100_000)
    assert os.path.exists("/dev/full") and not os.path.isfile("/dev/full")


def test_remove_stale_takes_only_old_files_of_our_pattern(tmp_path: Path) -> None:
    old = time.time() - 7200
    for name in (".losscli-abcdefgh.tmp", ".losscli-abcdefg.tmp", ".losscli-ABCDEFGH.tmp", "x.tmp"):
        (tmp_path / name).write_bytes(b"")
        os.utime(tmp_path / name, (old, old))
    (tmp_path / ".losscli-young___.tmp").write_bytes(b"")
    (tmp_path / ".losscli-dirdirdi.tmp").mkdir()
    os.utime(tmp_path / ".losscli-dirdirdi.tmp", (old, old))
    assert atomic.remove_stale(str(tmp_path)) == [".losscli-abcdefgh.tmp"]
    assert sorted(os.listdir(tmp_path)) == sorted(
        [
            ".losscli-abcdefg.tmp",
            ".losscli-ABCDEFGH.tmp",
            "x.tmp",
            ".losscli-young___.tmp",
            ".losscli-dirdirdi.tmp",
        ]
    )
    assert atomic.remove_stale(str(tmp_path / "missing")) == []
