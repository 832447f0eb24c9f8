"""losscli/cli/outputs.py and the message helpers the fault fixes rely on."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from losscli.cli.exits import output_failed
from losscli.cli.outputs import check_outputs
from losscli.errors import InputError, UsageError, show_name


def test_outputs_naming_inputs_or_each_other(tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    a.write_text("y,p\n1,1\n")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "m.csv").write_text("y,p\n1,1\n")
    with pytest.raises(UsageError, match="is an input"):
        check_outputs([("-o", str(tmp_path / "." / "a.csv"))], [("input", str(a))])
    with pytest.raises(UsageError, match="the --targets file"):
        check_outputs([("--junit", str(a))], [("--targets", str(a))])
    with pytest.raises(UsageError, match="is an input"):
        check_outputs([("-o", str(tmp_path / "d" / "m.csv"))], [("input", str(tmp_path / "d"))])
    with pytest.raises(UsageError, match="both name"):
        check_outputs([("-o", "x.csv"), ("--per-sample", "./x.csv")], [])
    # fine: other paths, stdout, /dev/null twice, inputs that are not files
    check_outputs([("-o", "-"), ("--per-sample", "-")], [("input", "-")])
    check_outputs([("-o", "/dev/null"), ("--junit", "/dev/null")], [("input", str(a))])
    check_outputs([("-o", str(tmp_path / "r.json"))], [("input", str(a)), ("--weights", None)])


def test_show_name_and_messages_stay_one_line() -> None:
    assert show_name("données.csv") == "données.csv"
    assert show_name("x\ny\t.csv") == "x\\ny\\t.csv"
    err = InputError("bad cell 'a\nb'", file="f\x1b.csv", row=2)
    assert "\n" not in str(err) and "\x1b" not in str(err)
    assert str(err) == "f\\x1b.csv, row 2: bad cell 'a\\nb'"


def test_output_failed_is_a_refused_write_without_a_file_name() -> None:
    assert output_failed(OSError(errno.ENOSPC, "No space left on device"))
    assert not output_failed(OSError(errno.ENOSPC, "No space", "some.file"))
    assert not output_failed(BrokenPipeError(errno.EPIPE, "Broken pipe"))
    assert not output_failed(OSError(errno.ENOENT, "No such file"))
    assert not output_failed(ValueError("x"))
