"""The case bank's file format: a zip of JSON documents and one block of raw array bytes.

    catalog.json   what the engine needs to know about the exercise's functions
                   (signatures, case labels en/ko, misconception sentences en/ko)
                   and the bank's provenance (grader version, seed, sha256 of the
                   reference it was made from)
    cases.json     per function, the cases in grading order; arrays are
                   ``{"array": i}`` references into ``arrays.json``
    arrays.json    per array: dtype, shape, byte offset and byte count in arrays.bin
    arrays.bin     the arrays' raw bytes, little-endian, C order

Nothing is ever unpickled and no ``np.load`` runs: every array's dtype must be
on an allow-list and its byte count must equal its shape times its item size,
and every member's size is checked against a cap, before a byte is read or an
array is made (``np.frombuffer`` on the bytes already read allocates nothing).
"""
from __future__ import annotations

import io
import json
import math
import zipfile

import numpy as np

FORMAT = "euron-grade-bank/1"
MEMBERS = ("catalog.json", "cases.json", "arrays.json", "arrays.bin")
MAX_JSON_BYTES = 64 << 20
MAX_ARRAY_BYTES = 512 << 20
DTYPES = frozenset(["|b1", "<i1", "<i2", "<i4", "<i8", "|i1", "|u1", "<u1", "<u2", "<u4", "<u8",
                    "<f2", "<f4", "<f8"])


class BankFileError(ValueError):
    """The file is not a case bank, or a damaged one."""


class ArrayTable:
    """Arrays collected while writing a bank, stored once each (equal arrays share an entry)."""

    def __init__(self) -> None:
        self.entries: list[dict] = []
        self.blob = io.BytesIO()
        self._seen: dict[tuple, int] = {}

    def add(self, a: np.ndarray) -> int:
        a = np.asarray(a)
        if a.dtype.kind in "iuf" and a.dtype.itemsize > 1:
            a = a.astype(a.dtype.newbyteorder("<"), copy=False)
        if not a.flags.c_contiguous:
            a = a.copy(order="C")      # (np.ascontiguousarray would make a 0-d array 1-d)
        if a.dtype.str not in DTYPES:
            raise BankFileError(f"cannot store an array of dtype {a.dtype} in a bank")
        raw = a.tobytes()
        key = (a.dtype.str, a.shape, raw)
        if key in self._seen:
            return self._seen[key]
        index = self._seen[key] = len(self.entries)
        self.entries.append({"dtype": a.dtype.str, "shape": list(a.shape), "offset": self.blob.tell(),
                             "nbytes": len(raw)})
        self.blob.write(raw)
        return index


def write(path, catalog: dict, cases: dict, arrays: ArrayTable) -> None:
    """Write a bank file (deterministic bytes for the same content)."""
    catalog = {"format": FORMAT, **catalog}
    documents = {"catalog.json": catalog, "cases.json": cases, "arrays.json": arrays.entries}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, doc in documents.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
        info = zipfile.ZipInfo("arrays.bin", date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, arrays.blob.getvalue())


def _member(z: zipfile.ZipFile, name: str, cap: int) -> bytes:
    try:
        info = z.getinfo(name)
    except KeyError:
        raise BankFileError(f"no {name} inside") from None
    if info.file_size > cap:
        raise BankFileError(f"{name} claims {info.file_size} bytes (more than {cap})")
    data = z.read(name)
    if len(data) != info.file_size:
        raise BankFileError(f"{name}: {len(data)} bytes read, {info.file_size} claimed")
    return data


def _json(z: zipfile.ZipFile, name: str):
    try:
        return json.loads(_member(z, name, MAX_JSON_BYTES).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BankFileError(f"{name} is not JSON ({exc})") from None


def _open(path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BankFileError(f"not a case bank ({exc})") from None


def read_catalog(path) -> dict:
    """Only the catalog: cheap, for listing exercises and naming things."""
    with _open(path) as z:
        catalog = _json(z, "catalog.json")
    if not isinstance(catalog, dict) or catalog.get("format") != FORMAT:
        raise BankFileError(f"not a case bank of format {FORMAT}")
    return catalog


def read(path) -> tuple[dict, dict, list[np.ndarray]]:
    """(catalog, cases, arrays) of a bank, every array validated (see the module docstring)."""
    with _open(path) as z:
        catalog = _json(z, "catalog.json")
        if not isinstance(catalog, dict) or catalog.get("format") != FORMAT:
            raise BankFileError(f"not a case bank of format {FORMAT}")
        cases = _json(z, "cases.json")
        entries = _json(z, "arrays.json")
        blob = _member(z, "arrays.bin", MAX_ARRAY_BYTES)
    if not isinstance(cases, dict) or not isinstance(entries, list):
        raise BankFileError("cases.json or arrays.json has the wrong structure")
    return catalog, cases, [_array(blob, i, e) for i, e in enumerate(entries)]


def _array(blob: bytes, index: int, entry) -> np.ndarray:
    try:
        dtype, shape = entry["dtype"], tuple(entry["shape"])
        offset, nbytes = entry["offset"], entry["nbytes"]
    except (KeyError, TypeError):
        raise BankFileError(f"array {index}: malformed entry") from None
    if dtype not in DTYPES:
        raise BankFileError(f"array {index}: dtype {dtype!r} is not allowed")
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (*shape, offset, nbytes)):
        raise BankFileError(f"array {index}: shape, offset and size must be non-negative integers")
    itemsize = np.dtype(dtype).itemsize
    if math.prod(shape) * itemsize != nbytes:
        raise BankFileError(f"array {index}: shape {shape} of {dtype} needs {math.prod(shape) * itemsize} "
                            f"bytes, the entry claims {nbytes}")
    if offset + nbytes > len(blob):
        raise BankFileError(f"array {index}: bytes {offset}..{offset + nbytes} lie outside arrays.bin")
    a = np.frombuffer(blob, dtype=np.dtype(dtype), count=math.prod(shape), offset=offset).reshape(shape)
    return a   # read-only: frombuffer over bytes


# ------------------------------------------------------------- values ---

def encode(value, arrays: ArrayTable):
    """A case's argument or output as JSON: arrays by reference, tuples tagged."""
    if isinstance(value, np.ndarray):
        return {"array": arrays.add(value)}
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return {"float": float(value).hex()}
    if isinstance(value, tuple):
        return {"tuple": [encode(v, arrays) for v in value]}
    if isinstance(value, list):
        return {"list": [encode(v, arrays) for v in value]}
    if value is None or isinstance(value, str):
        return value
    raise BankFileError(f"cannot store a value of type {type(value).__name__} in a bank")


def decode(value, arrays: list[np.ndarray]):
    if isinstance(value, dict):
        if "array" in value:
            i = value["array"]
            if not isinstance(i, int) or not 0 <= i < len(arrays):
                raise BankFileError(f"reference to a missing array {i!r}")
            return arrays[i]
        if "float" in value:
            return float.fromhex(value["float"])
        if "tuple" in value:
            return tuple(decode(v, arrays) for v in value["tuple"])
        if "list" in value:
            return [decode(v, arrays) for v in value["list"]]
        raise BankFileError(f"unknown value {sorted(value)}")
    if value is None or isinstance(value, (bool, int, str)):
        return value
    raise BankFileError(f"unknown value of type {type(value).__name__}")
