"""The wire format between the judge and a worker: plain data only, never pickle.

This module is the only code shared by both sides of the trust boundary, so it imports
nothing but the standard library and NumPy: the sandboxed worker gets a copy of it beside its
own package (``graders.sandbox.worker``) and nothing else of propgrade.

On a stream socket every message is ``u64 frame_len | frame`` (little-endian), written and
read only by the functions at the end of this module (``send``, ``send_frame``,
``send_with_fds``, ``recv``, ``recv_with_fds``).  A frame is::

    u32 header_len | u32 n_buffers | n_buffers x u64 buffer_len | header (UTF-8 JSON) | buffers

The JSON header holds numbers, strings, booleans, null, lists and objects.  Values that JSON
cannot say are tagged objects:

- ``{"__nd__": i, "dtype": "f8" | "i8" | "b1", "shape": [...]}`` — a NumPy array whose
  little-endian bytes are buffer ``i`` (only these three dtypes ever cross);
- ``{"__bytes__": i}`` — raw bytes (a submission's files on their way in);
- ``{"__tuple__": [...]}``, ``{"__dict__": [[key, value], ...]}`` (keys are strings; a dict
  with no key starting ``__`` is written as a plain JSON object, which cannot be mistaken
  for a tag);
- ``{"__ref__": [call, item]}`` — in a batch of calls, "the result of call ``call``"
  (element ``item`` of it when ``item`` is not null): lets a worker thread optimizer state
  through a whole trajectory in one message;
- ``{"__callback__": k}`` — a function argument evaluated on the judge's side;
- ``{"__unsupported__": type_name, "repr": text}`` — something a worker returned that is not
  plain data (the judge turns it into feedback; it is never reconstructed);
- ``{"__float__": "nan" | "inf" | "-inf"}`` — non-finite floats (JSON has none).

Decoding only ever builds plain ``numpy.ndarray`` (never a subclass), Python scalars, lists,
tuples and dicts, so nothing a worker sends can carry behaviour into the judge.
"""

from __future__ import annotations

import json
import math
import os
import socket
import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MAX_FRAME_BYTES = 256 * 1024 * 1024
MAX_DEPTH = 32
_WIRE_DTYPES = {"f8": np.dtype("<f8"), "i8": np.dtype("<i8"), "b1": np.dtype("?")}
_NATIVE = {code: dtype.newbyteorder("=") for code, dtype in _WIRE_DTYPES.items()}
_F8 = np.dtype("<f8")


class ProtocolError(Exception):
    """A frame that is not well-formed plain data (or is too large)."""


class Ref:
    """Inside a batch of calls: the result of an earlier call of the same batch."""

    __slots__ = ("call", "item")

    def __init__(self, call: int, item: int | None = None) -> None:
        self.call, self.item = call, item

    def __repr__(self) -> str:
        return f"Ref({self.call}, {self.item})"


@dataclass
class Call:
    """One call of a student function; ``args`` may hold Refs and judge-side functions.

    Judge-side only (the client turns it into a request message): it lives here, on the
    wire, so that the authoring kit can build calls without importing the transport.
    """

    fn: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


class Callback:
    """A function argument: the worker calls back and the judge evaluates it."""

    __slots__ = ("key",)

    def __init__(self, key: int) -> None:
        self.key = key


class Unsupported:
    """A worker's value that is not plain data; only its type name and repr survive."""

    __slots__ = ("type_name", "text")

    def __init__(self, type_name: str, text: str) -> None:
        self.type_name, self.text = type_name, text

    def __repr__(self) -> str:
        return f"<{self.type_name}>"


def _float(x: float) -> Any:
    if math.isfinite(x):
        return x
    return {"__float__": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}


def _array_dtype(a: np.ndarray) -> str | None:
    kind = a.dtype.kind
    if kind == "f":
        return "f8"
    if kind in "iu":
        return "i8"
    if kind == "b":
        return "b1"
    return None


def _encode(x: Any, bufs: list[bytes], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    t = type(x)
    if t is np.ndarray and x.dtype == _F8 and x.flags.c_contiguous:  # the common case
        bufs.append(x.tobytes())
        return {"__nd__": len(bufs) - 1, "dtype": "f8", "shape": list(x.shape)}
    if x is None or t is bool or t is int or t is str:
        return x
    if t is float:
        return _float(x)
    if t is dict and all(type(k) is str and not k.startswith("__") for k in x):
        return {k: _encode(v, bufs, depth + 1) for k, v in x.items()}  # cannot look tagged
    if t is list:
        return [_encode(v, bufs, depth + 1) for v in x]
    if t is bytes:
        bufs.append(x)
        return {"__bytes__": len(bufs) - 1}
    if t is Ref:
        return {"__ref__": [x.call, x.item]}
    if t is Callback:
        return {"__callback__": x.key}
    if isinstance(x, (np.ndarray, np.generic)):
        return _encode_numpy(x, bufs)
    return _encode_subclass(x, bufs, depth)


def _encode_numpy(x: np.ndarray | np.generic, bufs: list[bytes]) -> Any:
    """Any other array (a subclass, another dtype, not contiguous) or a NumPy scalar."""
    if isinstance(x, np.ndarray):
        code = _array_dtype(x)
        if code is None:
            return _unsupported(x)
        plain = np.ascontiguousarray(np.asarray(x).view(np.ndarray), dtype=_WIRE_DTYPES[code])
        bufs.append(plain.tobytes())
        return {"__nd__": len(bufs) - 1, "dtype": code, "shape": list(plain.shape)}
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return _float(float(x))
    return _unsupported(x)


def _encode_subclass(x: Any, bufs: list[bytes], depth: int) -> Any:
    """A subclass of a plain type keeps only its plain value; anything else is unsupported."""
    if isinstance(x, bool):
        return bool(x)
    if isinstance(x, int):  # int subclass: keep only its value
        return int(x)
    if isinstance(x, float):
        return _float(float(x))
    if isinstance(x, tuple):
        return {"__tuple__": [_encode(v, bufs, depth + 1) for v in x]}
    if isinstance(x, list):
        return [_encode(v, bufs, depth + 1) for v in x]
    if isinstance(x, dict):
        if not all(type(k) is str for k in x):
            return _unsupported(x)
        return {"__dict__": [[k, _encode(v, bufs, depth + 1)] for k, v in x.items()]}
    if isinstance(x, str):
        return str(x)
    return _unsupported(x)


def _unsupported(x: Any) -> dict[str, str]:
    try:
        name = type(x).__qualname__
        text = object.__repr__(x)
    except Exception:  # noqa: BLE001 - a hostile object may break even these
        name, text = "object", "<object>"
    return {"__unsupported__": str(name)[:100], "repr": str(text)[:200]}


def encode(message: Any) -> bytes:
    """Serialise a message (plain data, Refs, Callbacks) into one frame."""
    bufs: list[bytes] = []
    header = json.dumps(_encode(message, bufs, 0), allow_nan=False,
                        separators=(",", ":")).encode()
    lens = struct.pack(f"<{len(bufs)}Q", *map(len, bufs))
    return b"".join([struct.pack("<II", len(header), len(bufs)), lens, header, *bufs])


def _nd(x: dict, bufs: list[memoryview], depth: int) -> np.ndarray:
    try:
        code, shape, index = x["dtype"], x["shape"], x["__nd__"]
        dtype = _WIRE_DTYPES[code]
        raw = bufs[index] if type(index) is int and index >= 0 else None
    except (KeyError, TypeError, IndexError) as exc:
        raise ProtocolError("malformed array") from exc
    if raw is None or type(shape) is not list:
        raise ProtocolError("malformed array")
    size = dtype.itemsize
    for n in shape:
        if type(n) is not int or n < 0:
            raise ProtocolError("malformed array shape")
        size *= n
    if size != len(raw):
        raise ProtocolError("array size does not match its shape")
    # a copy in native byte order: writable, and owning its memory (not the frame's)
    return np.frombuffer(raw, dtype=dtype).astype(_NATIVE[code]).reshape(shape)


def _bytes(x: dict, bufs: list[memoryview], depth: int) -> bytes:
    try:
        return bytes(bufs[int(x["__bytes__"])])
    except (ValueError, TypeError, IndexError) as exc:
        raise ProtocolError("malformed bytes") from exc


def _ref(x: dict, bufs: list[memoryview], depth: int) -> Ref:
    call, item = x["__ref__"]
    return Ref(int(call), None if item is None else int(item))


_TAGS = {  # a tagged object's tag is its first key (as ``_encode`` writes it)
    "__nd__": _nd,
    "__bytes__": _bytes,
    "__tuple__": lambda x, b, d: tuple(_decode(v, b, d + 1) for v in x["__tuple__"]),
    "__dict__": lambda x, b, d: {str(k): _decode(v, b, d + 1) for k, v in x["__dict__"]},
    "__float__": lambda x, b, d: {"nan": math.nan, "inf": math.inf,
                                  "-inf": -math.inf}[x["__float__"]],
    "__ref__": _ref,
    "__callback__": lambda x, b, d: Callback(int(x["__callback__"])),
    "__unsupported__": lambda x, b, d: Unsupported(str(x["__unsupported__"]),
                                                   str(x.get("repr", ""))),
}


def _decode(x: Any, bufs: list[memoryview], depth: int) -> Any:
    t = type(x)
    if x is None or t is float or t is int or t is str or t is bool:
        return x
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if t is list:
        return [_decode(v, bufs, depth + 1) for v in x]
    if t is not dict:
        raise ProtocolError("malformed value")
    if not x:
        return {}
    handler = _TAGS.get(next(iter(x)))
    if handler is not None:
        try:
            return handler(x, bufs, depth)
        except (KeyError, ValueError, TypeError) as exc:
            raise ProtocolError("malformed tagged value") from exc
    return {str(k): _decode(v, bufs, depth + 1) for k, v in x.items()}


def decode(frame: bytes) -> Any:
    """Parse one frame back into plain data; raises ProtocolError on anything else."""
    try:
        hlen, nbufs = struct.unpack_from("<II", frame, 0)
        lens = struct.unpack_from(f"<{nbufs}Q", frame, 8)
        pos = 8 + 8 * nbufs
        header = json.loads(bytes(frame[pos:pos + hlen]))
        pos += hlen
        view = memoryview(frame)
        bufs = []
        for n in lens:
            bufs.append(view[pos:pos + n])
            pos += n
        if pos != len(frame):
            raise ProtocolError("trailing bytes in frame")
    except (struct.error, ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"malformed frame: {exc}") from exc
    return _decode(header, bufs, 0)


# --- framing over a stream socket: the only code that reads or writes the length prefix ---

_LEN = struct.Struct("<Q")
_FIRST_READ = 1 << 16  #: the bytes that carry descriptors (the rest of a message follows)


def send(sock: Any, message: Any) -> None:
    """Write one length-prefixed frame to a connected socket."""
    send_frame(sock, encode(message))


def send_frame(sock: Any, frame: bytes) -> None:
    """Write an already encoded frame (e.g. one cached for every student)."""
    sock.sendall(_LEN.pack(len(frame)) + frame)


def send_with_fds(sock: socket.socket, message: Any, fds: list[int]) -> None:
    """Write one message with file descriptors attached (SCM_RIGHTS) to its first bytes."""
    frame = encode(message)
    data = _LEN.pack(len(frame)) + frame
    if not fds:
        sock.sendall(data)
        return
    sent = socket.send_fds(sock, [data[:_FIRST_READ]], fds)
    sock.sendall(data[sent:])


def _recv_exact(sock: Any, n: int, start: bytes = b"") -> bytes:
    chunks, got = [start], len(start)
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise EOFError("peer closed the connection")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _length(prefix: bytes, limit: int) -> int:
    (n,) = _LEN.unpack(prefix)
    if n > limit:
        raise ProtocolError(f"message of {n} bytes is over the limit of {limit}")
    return int(n)


def recv(sock: Any, limit: int = MAX_FRAME_BYTES) -> Any:
    """Read one frame (refusing frames over ``limit`` bytes) and decode it."""
    n = _length(_recv_exact(sock, _LEN.size), limit)
    return decode(_recv_exact(sock, n))


def recv_with_fds(sock: socket.socket, max_fds: int,
                  limit: int = MAX_FRAME_BYTES) -> tuple[Any, list[int]]:
    """Read one message and the descriptors sent with it (see ``send_with_fds``).

    Raises EOFError when the peer closed the connection, ProtocolError on a malformed or
    oversized message; either way the descriptors that came with it are closed first.
    """
    raw, fds, _flags, _addr = socket.recv_fds(sock, _FIRST_READ, max_fds)
    try:
        if not raw:
            raise EOFError("peer closed the connection")
        head = raw if len(raw) >= _LEN.size else _recv_exact(sock, _LEN.size, raw)
        n = _length(head[:_LEN.size], limit)
        body = head[_LEN.size:]
        if len(body) > n:
            raise ProtocolError("trailing bytes after the message")
        return decode(_recv_exact(sock, n, body)), fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
