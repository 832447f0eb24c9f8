"""NumPy files: ``.npy`` arrays (read whole or streamed through a memory map whose read
pages are dropped) and ``.npz`` archives, headers checked before any allocation and
pickles never loaded.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import zipfile
from collections.abc import Iterator
from typing import IO

import numpy as np

from losscli.errors import InputError
from losscli.io.compressed import MAX_DECOMPRESSED_ENV, max_decompressed
from losscli.io.formats import wrong_content
from losscli.io.table import Table, TextCols, array_columns, keep_exact, short, text_names

# .npy headers are parsed and checked before a byte of data is allocated: object
# dtypes (pickles) are refused without reading further, and a header claiming more
# data than the file holds is an error rather than a terabyte allocation.


def _npy_header(fh: IO[bytes], path: str, name: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """(shape, fortran_order, dtype) of the .npy stream at ``fh``; refuses pickles."""
    fmt = np.lib.format
    head = fh.read(6)
    if head != b"\x93NUMPY":
        raise wrong_content(_member(path, name), "npy", head + fh.read(64))
    try:
        version = tuple(fh.read(2))
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(fh)
        elif version in ((2, 0), (3, 0)):  # 3.0 differs only by utf-8 field names (refused)
            shape, fortran, dtype = fmt.read_array_header_2_0(fh)
        else:
            raise ValueError(f"unsupported .npy format version {version}")
    except MemoryError:
        raise
    except Exception as exc:  # numpy parses the header with ast: many exception types
        raise InputError(
            f"not a valid NumPy file: bad header ({short(exc)})", file=_member(path, name)
        ) from None
    if dtype.hasobject:
        raise InputError(
            f"{'array ' + repr(name) + ' ' if name else ''}holds Python objects "
            "(pickled data); pickles are never loaded",
            file=path,
            hint="save the arrays with a float or int dtype",
        )
    if dtype.kind not in "biufUS" or dtype.names is not None or dtype.subdtype is not None:
        raise InputError(
            f"{'array ' + repr(name) + ' has' if name else 'the array has'} unsupported dtype "
            f"{dtype} (numbers or strings expected)",
            file=path,
        )
    if len(shape) not in (1, 2):
        raise InputError(
            f"{'array ' + repr(name) + ' ' if name else ''}must be 1-D (one column) or 2-D "
            f"(rows x columns), got shape {shape}",
            file=path,
        )
    return shape, fortran, dtype


def _member(path: str, name: str) -> str:
    return f"{path} (array {name!r})" if name else path


def _npy_data(fh: IO[bytes], path: str, name: str, available: int | None) -> np.ndarray:
    """Read one .npy from a binary stream, its header checked before any allocation.

    ``available``: how many bytes the stream holds from here (None if unknown, for a
    stream whose size is only known by reading it)."""
    shape, fortran, dtype = _npy_header(fh, path, name)
    count = math.prod(shape)
    nbytes = count * dtype.itemsize
    if available is not None:
        available -= fh.tell() if hasattr(fh, "tell") else 0
    if available is not None and nbytes > available:
        raise InputError(
            f"truncated: the header says shape {shape} ({nbytes} bytes) but only "
            f"{max(available, 0)} bytes follow",
            file=_member(path, name),
        )
    if nbytes > max_decompressed() and available is None:
        raise InputError(
            f"the header says {nbytes} bytes of data, more than the limit",
            file=_member(path, name),
            hint=f"raise it with {MAX_DECOMPRESSED_ENV}=BYTES",
        )
    buf = bytearray(nbytes)
    view = memoryview(buf)
    got = 0
    while got < nbytes:
        n = fh.readinto(view[got:])  # type: ignore[attr-defined]
        if not n:
            raise InputError(
                f"truncated: the header says shape {shape} ({nbytes} bytes) but the data "
                f"ends after {got} bytes",
                file=_member(path, name),
            )
        got += n
    arr = np.frombuffer(buf, dtype=dtype, count=count)
    return arr.reshape(shape, order="F" if fortran else "C")


def _stream_size(fh: IO[bytes]) -> int | None:
    """The total size of a seekable stream (a file or a BytesIO), or None."""
    if isinstance(fh, io.BytesIO):
        return fh.getbuffer().nbytes
    try:
        return os.fstat(fh.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None


def _numeric(arr: np.ndarray, path: str, name: str) -> np.ndarray:
    if arr.dtype.kind in "biuf":
        return arr.astype(np.float64, copy=False)
    if arr.dtype.kind in "US":
        return arr.astype(object)
    raise InputError(f"array {name!r} has unsupported dtype {arr.dtype}", file=path)


def read_npy(fh: IO[bytes], path: str, text_cols: TextCols = None) -> Table:
    """A whole ``.npy`` array; ``text_cols`` (ids, by 0-based column) of an integer or
    text array keep that type."""
    return _npy_table(_npy_data(fh, path, "", _stream_size(fh)), path, text_cols)


def _npy_table(arr: np.ndarray, path: str, text_cols: TextCols) -> Table:
    names, data = array_columns(_numeric(arr, path, "array"), path)
    exact = text_names(text_cols, names) if arr.dtype.kind in "biuUS" else set()
    if exact:
        _, raw_cols = array_columns(arr, path)
        for name in exact:
            data[name] = keep_exact(raw_cols[name])
    return Table(path, names, data, has_header=False)


def stream_npy(path: str, rows: int) -> Iterator[Table]:
    with open(path, "rb") as fh:
        shape, fortran, dtype = _npy_header(fh, path, "")
        offset = fh.tell()
    size = os.path.getsize(path)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > size - offset:
        raise InputError(
            f"truncated: the header says shape {shape} ({nbytes} bytes) but only "
            f"{size - offset} bytes follow",
            file=path,
        )
    if dtype.kind not in "biuf":
        raise InputError(f"array has unsupported dtype {dtype} (numbers expected)", file=path)
    if nbytes == 0:
        return
    arr = np.memmap(
        path, dtype=dtype, mode="r", offset=offset, shape=shape, order="F" if fortran else "C"
    )
    row_bytes = nbytes // shape[0] if shape and shape[0] else 0
    for start in range(0, arr.shape[0], rows):
        block = np.asarray(arr[start : start + rows], dtype=np.float64)
        names, data = array_columns(block, path)
        yield Table(path, names, data, has_header=False)
        if not fortran:  # done with these rows: let the kernel drop their pages (flat RSS)
            _drop_pages(arr, offset + start * row_bytes, offset + (start + rows) * row_bytes)


def stream_npy_fileobj(
    fh: IO[bytes], path: str, rows: int, text_cols: TextCols = None
) -> Iterator[Table]:
    """A ``.npy`` array from a stream that cannot seek (standard input): the header
    checked, then ``rows`` rows at a time, so memory holds one chunk whatever the size.
    A small array, a Fortran-ordered one (it cannot be cut by rows) or one of text is
    read whole, as from a file, within :func:`max_decompressed` bytes."""
    shape, fortran, dtype = _npy_header(fh, path, "")
    if fortran or dtype.kind in "US" or math.prod(shape) * dtype.itemsize <= 1 << 20:
        yield _npy_table(_npy_rest(fh, path, shape, fortran, dtype), path, text_cols)
        return
    n_rows = shape[0]
    row_bytes = math.prod(shape[1:]) * dtype.itemsize
    got_rows = 0
    while got_rows < n_rows:
        take = min(rows, n_rows - got_rows)
        buf = bytearray(take * row_bytes)
        view = memoryview(buf)
        got = 0
        while got < len(buf):
            n = fh.readinto(view[got:])  # type: ignore[attr-defined]
            if not n:
                raise InputError(
                    f"truncated: the header says shape {shape} but the data ends after "
                    f"{got_rows + got // max(row_bytes, 1)} rows",
                    file=path,
                )
            got += n
        block = np.frombuffer(buf, dtype=dtype).reshape((take, *shape[1:]))
        names, data = array_columns(block.astype(np.float64, copy=False), path)
        yield Table(path, names, data, has_header=False)
        got_rows += take


def _npy_rest(
    fh: IO[bytes], path: str, shape: tuple[int, ...], fortran: bool, dtype: np.dtype
) -> np.ndarray:
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > max_decompressed():
        raise InputError(
            f"the header says {nbytes} bytes of data, more than the limit",
            file=path,
            hint=f"raise it with {MAX_DECOMPRESSED_ENV}=BYTES",
        )
    data = fh.read(nbytes)
    if len(data) < nbytes:
        raise InputError(
            f"truncated: the header says shape {shape} ({nbytes} bytes) but the data "
            f"ends after {len(data)} bytes",
            file=path,
        )
    arr = np.frombuffer(data, dtype=dtype, count=math.prod(shape))
    return arr.reshape(shape, order="F" if fortran else "C")


def _drop_pages(arr: np.memmap, begin: int, end: int) -> None:
    """Tell the kernel a read-only map's pages in [begin, end) of the file are not needed
    again; they are re-read from the file if they are (nothing changes for correctness)."""
    import mmap

    mm = getattr(arr, "_mmap", None)
    advice = getattr(mmap, "MADV_DONTNEED", None)
    if mm is None or advice is None:
        return
    # np.memmap maps from a page-aligned start at or before the array's offset
    base = getattr(arr, "offset", 0) - (getattr(arr, "offset", 0) % mmap.ALLOCATIONGRANULARITY)
    lo = begin - base
    hi = min(end - base, len(mm))
    lo -= lo % mmap.PAGESIZE
    hi -= hi % mmap.PAGESIZE
    if hi > lo:
        with contextlib.suppress(OSError, ValueError):
            mm.madvise(advice, lo, hi - lo)


def read_npz(fh: IO[bytes], path: str, text_cols: TextCols = None) -> Table:
    """The arrays of an ``.npz`` archive; ``text_cols`` (ids) keep their integer or
    text type."""
    head = fh.read(4)
    fh.seek(0)
    if head not in (b"PK\x03\x04", b"PK\x05\x06"):
        raise wrong_content(path, "npz", head + fh.read(4096)[4:])
    arrays: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(fh) as zf:
            members = [i for i in zf.infolist() if not i.filename.endswith("/")]
            packed = sum(i.file_size for i in members if i.compress_type != zipfile.ZIP_STORED)
            if packed > max_decompressed():
                raise InputError(
                    f"its compressed arrays expand to {packed} bytes, more than the limit",
                    file=path,
                    hint=f"raise it with {MAX_DECOMPRESSED_ENV}=BYTES",
                )
            for info in members:
                name = info.filename.removesuffix(".npy")
                if not info.filename.endswith(".npy"):
                    raise InputError(f"member {info.filename!r} is not a .npy array", file=path)
                with zf.open(info) as member:
                    arr = _npy_data(member, path, name, info.file_size)  # type: ignore[arg-type]
                if arr.shape[0] == 0 or (arr.ndim == 2 and arr.shape[1] == 0):
                    raise InputError(f"array {name!r} is empty (shape {arr.shape})", file=path)
                arrays[name] = arr
    except (InputError, MemoryError):
        raise
    except Exception as exc:  # zipfile parsing untrusted bytes: BadZipFile, zlib.error,
        # EOFError, struct.error, IndexError, UnicodeDecodeError (member names), ...
        raise InputError(f"not a valid .npz archive: {short(exc)}", file=path) from None
    if not arrays:
        raise InputError("the .npz archive holds no arrays", file=path)
    exact = text_names(text_cols, list(arrays))
    data = {
        name: keep_exact(arr)
        if name in exact and arr.dtype.kind in "biuUS"
        else _numeric(arr, path, name)
        for name, arr in arrays.items()
    }
    lengths = {a.shape[0] for a in data.values()}
    return Table(path, list(data), data, has_header=True, is_npz=True, meta={"lengths": lengths})
