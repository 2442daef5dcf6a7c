"""The message format between the grader and a student's process.

A message is a 4-byte big-endian length, a UTF-8 JSON header of that length,
then the raw bytes of the arrays the header describes, back to back.  Values
are JSON trees in which an array appears as ``{"__array__": i}`` (its dtype
and shape are in ``header["arrays"][i]``).  Nothing is ever pickled: what a
student's process sends is parsed as JSON and copied as raw numbers, checked
against an allow-list of dtypes and against the byte count before anything
is allocated.
"""
from __future__ import annotations

import json
import socket
import struct

import numpy as np

MAX_HEADER_BYTES = 4 << 20
MAX_ARRAY_BYTES = 256 << 20
JOIN_BYTES = 8 << 20
ALLOWED_DTYPES = frozenset(
    np.dtype(t).str
    for t in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
              "uint32", "uint64", "float16", "float32", "float64")
)


class WireError(Exception):
    """The other side sent something that is not a valid message."""


class PeerClosed(WireError):
    """The other side closed the connection (or died)."""


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:], n - got)
        if k == 0:
            raise PeerClosed("connection closed")
        got += k
    return bytes(buf)


def decode(tree, arrays: list):
    """Put the arrays back where :func:`pack` left ``{"__array__": i}``."""
    if type(tree) is dict:
        if len(tree) == 1 and "__array__" in tree:
            index = tree["__array__"]
            if not isinstance(index, int) or not 0 <= index < len(arrays):
                raise WireError("array reference out of range")
            return arrays[index]
        return {k: (decode(v, arrays) if type(v) in _NESTED else v) for k, v in tree.items()}
    if type(tree) is list:
        return [decode(v, arrays) if type(v) in _NESTED else v for v in tree]
    return tree


_NESTED = (dict, list)   # json.loads makes exactly these; everything else is a leaf


def pack(message: dict) -> list:
    """``message`` as the buffers to send, back to back (see :func:`send`).

    JSON's own encoder walks the message and hands each array to ``refer``,
    which moves it to the raw part; anything else that is not JSON is refused."""
    arrays: list[np.ndarray] = []

    def refer(value):
        if isinstance(value, np.ndarray):
            arrays.append(value)
            return {"__array__": len(arrays) - 1}
        raise TypeError(f"cannot send a {type(value).__name__}")

    body = json.dumps(message, default=refer, allow_nan=True)
    blobs, specs = [], []
    for a in arrays:
        a = np.ascontiguousarray(a)
        specs.append({"dtype": a.dtype.str, "shape": list(a.shape), "nbytes": a.nbytes})
        blobs.append(a.data.cast("B") if a.nbytes else b"")
    header = f'{{"body": {body}, "arrays": {json.dumps(specs)}}}'.encode()
    head = struct.pack(">I", len(header)) + header
    if sum(len(b) for b in blobs) <= JOIN_BYTES:     # one system call for a typical message
        return [b"".join([head, *blobs])]
    return [head, *blobs]


class Packed:
    """A message packed once and sent as it is, many times (every student gets the
    same calls: packing them is a walk over every case's arguments)."""

    __slots__ = ("buffers",)

    def __init__(self, message: dict) -> None:
        self.buffers = pack(message)


def send(sock: socket.socket, message: "dict | Packed") -> None:
    """Send ``message`` (a dict that may hold arrays anywhere inside, or packed)."""
    for buffer in (message.buffers if isinstance(message, Packed) else pack(message)):
        sock.sendall(buffer)


def _check_spec(spec) -> tuple[np.dtype, tuple[int, ...], int]:
    if not isinstance(spec, dict):
        raise WireError("bad array description")
    dtype_str, shape, nbytes = spec.get("dtype"), spec.get("shape"), spec.get("nbytes")
    if dtype_str not in ALLOWED_DTYPES:
        raise WireError(f"array dtype {dtype_str!r} is not allowed")
    if (not isinstance(shape, list) or len(shape) > 8
            or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d for d in shape)):
        raise WireError("bad array shape")
    dtype = np.dtype(dtype_str)
    expected = dtype.itemsize
    for d in shape:
        expected *= d
    if nbytes != expected or expected > MAX_ARRAY_BYTES:
        raise WireError("array byte count does not match its shape")
    return dtype, tuple(shape), expected


def _parse_header(data) -> tuple[dict, list]:
    try:
        header = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WireError("header is not JSON") from exc
    if not isinstance(header, dict) or not isinstance(header.get("arrays"), list):
        raise WireError("header lacks its array list")
    specs = [_check_spec(s) for s in header["arrays"]]
    if sum(n for _, _, n in specs) > MAX_ARRAY_BYTES:
        raise WireError("message too large")
    return header, specs


def _build(header: dict, specs: list, raw) -> dict:
    arrays, offset = [], 0
    for dtype, shape, nbytes in specs:
        arrays.append(np.frombuffer(raw, dtype=dtype, count=nbytes // dtype.itemsize, offset=offset)
                      .reshape(shape).copy())
        offset += nbytes
    body = decode(header.get("body"), arrays)
    if not isinstance(body, dict):
        raise WireError("message body is not an object")
    return body


def recv(sock: socket.socket) -> dict:
    """Receive one message; raises WireError on anything malformed."""
    (length,) = struct.unpack(">I", _recv_exact(sock, 4))
    if length > MAX_HEADER_BYTES:
        raise WireError("header too large")
    header, specs = _parse_header(_recv_exact(sock, length))
    raw = _recv_exact(sock, sum(n for _, _, n in specs))    # all arrays' bytes at once
    return _build(header, specs, raw)

