"""The wire format between the judge and a worker: plain data only, never pickle.

This module, ``framing`` and ``nesting`` are the only code shared by both sides of the trust
boundary (with the data functions' ``kinds``), so
they import nothing but the standard library and NumPy: the sandboxed worker gets a copy of
them beside its own package (``graders.sandbox.worker``) and nothing else of propgrade.

On a stream socket every message is ``u64 frame_len | frame`` (little-endian), written and
read only by ``framing`` (this module's ``send``, ``send_with_fds``, ``recv`` and
``recv_with_fds`` encode or decode around it).  A frame is::

    u32 header_len | u32 n_buffers | n_buffers x u64 buffer_len | header (UTF-8 JSON) | buffers

The JSON header holds numbers, strings, booleans, null, lists and objects.  Values that JSON
cannot say are tagged objects:

- ``{"__f8__": [i, offset, *shape]}`` — a float64 array: ``prod(shape)`` little-endian
  values from value ``offset`` on in buffer ``i`` (the encoder puts every float64 array of
  a message into buffer 0: thousands of tiny arrays cost one buffer, not thousands);
- ``{"__i8__": [i, offset, *shape]}`` — an int64 array, the same way (the encoder puts every
  int64 array of a message into buffer 1; frames written earlier have no buffer 1);
- ``{"__nd__": i, "dtype": "f8" | "i8" | "b1", "shape": [...]}`` — a NumPy array whose
  little-endian bytes are buffer ``i`` (only these three dtypes ever cross; the encoder
  writes this tag for any array but an exact float64 or int64 one);
- ``{"__bytes__": i}`` — raw bytes (a submission's files on their way in);
- ``{"__tuple__": [...]}``, ``{"__dict__": [[key, value], ...]}`` (keys are strings; a dict
  with no key starting ``__`` is written as a plain JSON object, which cannot be mistaken
  for a tag);
- ``{"__ref__": [call, item]}`` — in a batch of calls, "the result of call ``call``" (counted
  from the ``base`` of the call it is in)
  (element ``item`` of it when ``item`` is not null): lets a worker thread optimizer state
  through a whole trajectory in one message;
- ``{"__callback__": k}`` — a function argument evaluated on the judge's side;
- ``{"__unsupported__": type_name, "repr": text}`` — something a worker returned that is not
  plain data (the judge turns it into feedback; it is never reconstructed);
- non-finite floats are the tokens ``NaN``, ``Infinity``, ``-Infinity`` (Python's json
  extension); frames written earlier say ``{"__float__": "nan" | "inf" | "-inf"}``.

Decoding only ever builds plain ``numpy.ndarray`` (never a subclass), Python scalars, lists,
tuples and dicts, so nothing a worker sends can carry behaviour into the judge.
"""

from __future__ import annotations

import json
import math
import socket
import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .framing import (  # re-exported: callers send and receive through this module
    MAX_FRAME_BYTES,
    ProtocolError,
    close_all,
    recv_frame,
    recv_frame_with_fds,
    send_frame,
    send_frame_with_fds,
)
from .nesting import MAX_DEPTH, json_depth, too_deep

_WIRE_DTYPES = {"f8": np.dtype("<f8"), "i8": np.dtype("<i8"), "b1": np.dtype("?")}
# the canonical dtype objects (``is`` tests in the hot paths rely on it)
_NATIVE = {code: np.dtype(dtype.newbyteorder("=").str) for code, dtype in _WIRE_DTYPES.items()}
_F8, _I8 = np.dtype("<f8"), np.dtype("<i8")
_F8_IS_NATIVE = _F8 == _NATIVE["f8"]
_STREAM_DTYPES = {0: _F8, 1: _I8}  # the buffer of each stream, and its values' dtype


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

    ``base``: added to the call number of every Ref in it (the worker adds it), so a run of
    calls written from 0 keeps its Refs when the driver puts it later in a message.
    Judge-side only (the client turns it into a request message): it lives here, on the
    wire, so that the authoring kit can build calls without importing the transport.
    """

    fn: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    base: int = 0


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


#: exact types JSON writes as themselves (a non-finite float as the ``NaN``/``Infinity``
#: tokens json reads back); inside a container they are written without a call of their own
_LEAVES = frozenset((type(None), bool, int, float, str))


class _Buffers(list):
    """A frame's buffers; buffers 0 and 1 are the float64 and int64 streams that ``__f8__``
    and ``__i8__`` arrays point into."""

    def __init__(self, items: Any = ()) -> None:
        super().__init__(items)
        self.f8: list[bytes] = []  # encoding: the streams' pieces, and lengths in values
        self.f8_count = 0
        self.i8: list[bytes] = []
        self.i8_count = 0
        self.streams: dict[tuple[int, str], np.ndarray] = {}  # decoding: buffers as arrays


def _encode(x: Any, bufs: _Buffers, depth: int, functions: list | None) -> Any:
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    t = type(x)
    if t is np.ndarray and (x.dtype is _F8 or x.dtype == _F8):  # tobytes: in C order
        bufs.f8.append(x.tobytes())
        offset = bufs.f8_count
        bufs.f8_count = offset + x.size
        return {"__f8__": [0, offset, *x.shape]}
    if t in _LEAVES:
        return x
    if t is np.ndarray and (x.dtype is _I8 or x.dtype == _I8):
        bufs.i8.append(x.tobytes())
        offset = bufs.i8_count
        bufs.i8_count = offset + x.size
        return {"__i8__": [1, offset, *x.shape]}
    d = depth + 1
    if t is list:
        return [v if type(v) in _LEAVES else _encode(v, bufs, d, functions) for v in x]
    if t is tuple:
        return {
            "__tuple__": [v if type(v) in _LEAVES else _encode(v, bufs, d, functions) for v in x]
        }
    if t is dict and _plain_keys(x):  # not a tag
        return {
            k: v if type(v) in _LEAVES else _encode(v, bufs, d, functions) for k, v in x.items()
        }
    if t is Ref:
        return {"__ref__": [x.call, x.item]}
    if t is bytes:
        bufs.append(x)
        return {"__bytes__": len(bufs) - 1}
    if t is Callback:
        return {"__callback__": x.key}
    if isinstance(x, (np.ndarray, np.generic)):
        return _encode_numpy(x, bufs)
    if functions is not None and callable(x):  # a judge-side function argument
        functions.append(x)
        return {"__callback__": len(functions) - 1}
    return _encode_subclass(x, bufs, depth, functions)


def _plain_keys(x: dict) -> bool:
    """Every key an exact str not starting ``__`` (a loop: no generator per dict)."""
    for k in x:
        if type(k) is not str or k.startswith("__"):
            return False
    return True


def _encode_numpy(x: np.ndarray | np.generic, bufs: _Buffers) -> Any:
    """Any other array (a subclass, another dtype) or a NumPy scalar."""
    if isinstance(x, np.ndarray):
        code = {"f": "f8", "i": "i8", "u": "i8", "b": "b1"}.get(x.dtype.kind)
        if code is None:
            return _unsupported(x)
        plain = np.ascontiguousarray(np.asarray(x).view(np.ndarray), dtype=_WIRE_DTYPES[code])
        bufs.append(plain.tobytes())
        return {"__nd__": len(bufs) - 1, "dtype": code, "shape": list(plain.shape)}
    for kind, scalar in ((np.bool_, bool), (np.integer, int), (np.floating, float)):
        if isinstance(x, kind):
            return scalar(x)
    return _unsupported(x)


def _encode_subclass(x: Any, bufs: _Buffers, depth: int, functions: list | None) -> Any:
    """A subclass of a plain type keeps only its plain value; anything else is unsupported."""
    for plain in (bool, int, float, str):  # bool before int: it is one
        if isinstance(x, plain):
            return plain(x)
    if isinstance(x, (tuple, list)):
        items = [_encode(v, bufs, depth + 1, functions) for v in x]
        return {"__tuple__": items} if isinstance(x, tuple) else items
    if isinstance(x, dict) and all(type(k) is str for k in x):
        return {"__dict__": [[k, _encode(v, bufs, depth + 1, functions)] for k, v in x.items()]}
    return _unsupported(x)


def _unsupported(x: Any) -> dict[str, str]:
    try:
        name = type(x).__qualname__
        text = object.__repr__(x)
    except Exception:  # noqa: BLE001 - a hostile object may break even these
        name, text = "object", "<object>"
    return {"__unsupported__": str(name)[:100], "repr": str(text)[:200]}


def encode(message: Any, functions: list | None = None) -> bytes:
    """Serialise a message (plain data, Refs, Callbacks) into one frame.  ``functions``
    (judge's side only): each callable met is appended to it and written as a Callback
    holding its index there; without it a callable is unsupported, as any other object."""
    bufs = _Buffers([b"", b""])
    header = json.dumps(_encode(message, bufs, 0, functions), separators=(",", ":")).encode()
    bufs[0], bufs[1] = b"".join(bufs.f8), b"".join(bufs.i8)
    lens = struct.pack(f"<{len(bufs)}Q", *map(len, bufs))
    return b"".join([struct.pack("<II", len(header), len(bufs)), lens, header, *bufs])


# --- decoding: json builds lists and numbers in C; its object hook (called bottom up, on
# --- an object whose values are already decoded) turns each tagged object into its value


def _shape(shape: Any) -> int:
    """The number of values of a well-formed shape (a list of non-negative ints)."""
    if type(shape) is not list:
        raise ProtocolError("malformed array shape")
    size = 1
    for n in shape:  # a loop, not all() and prod(): called once per array
        if type(n) is not int or n < 0:
            raise ProtocolError("malformed array shape")
        size *= n
    return size


def _nd(x: dict, bufs: _Buffers) -> np.ndarray:
    code, shape, index = x["dtype"], x["shape"], x["__nd__"]
    dtype = _WIRE_DTYPES[code]
    if type(index) is not int or index < 0:
        raise ProtocolError("malformed array")
    raw = bufs[index]
    if _shape(shape) * dtype.itemsize != len(raw):
        raise ProtocolError("array size does not match its shape")
    # a copy in native byte order: writable, and owning its memory (not the frame's)
    return np.frombuffer(raw, dtype=dtype).astype(_NATIVE[code]).reshape(shape)


def _stream(spec: Any, bufs: _Buffers, code: str) -> np.ndarray:
    """``[buffer, offset, *shape]`` of an ``__f8__`` / ``__i8__`` array: its values, copied
    out of the stream (as ``_nd``'s are) in native byte order."""
    index, offset, *shape = spec
    stream = bufs.streams.get((index, code))
    if stream is None:
        if type(index) is not int or index < 0:
            raise ProtocolError("malformed array")
        stream = bufs.streams[index, code] = np.frombuffer(bufs[index], dtype=_WIRE_DTYPES[code])
    if len(shape) == 1:  # the common case, without _shape's loop
        size = shape[0]
        if type(size) is not int or size < 0:
            raise ProtocolError("malformed array shape")
    else:
        size = _shape(shape)
    if type(offset) is not int or offset < 0 or offset + size > len(stream):
        raise ProtocolError("array outside its buffer")
    flat = stream[offset : offset + size]
    flat = flat.copy() if _F8_IS_NATIVE else flat.astype(_NATIVE[code])
    return flat if len(shape) == 1 else flat.reshape(shape)


def _list(x: Any) -> list:
    if type(x) is not list:
        raise TypeError("malformed value")
    return x


_TAGS = {  # a tagged object's tag is its first key (as ``_encode`` writes it)
    "__f8__": lambda x, b: _stream(x["__f8__"], b, "f8"),
    "__i8__": lambda x, b: _stream(x["__i8__"], b, "i8"),
    "__nd__": _nd,
    "__bytes__": lambda x, b: bytes(b[int(x["__bytes__"])]),
    "__tuple__": lambda x, b: tuple(_list(x["__tuple__"])),
    "__dict__": lambda x, b: {str(k): v for k, v in _list(x["__dict__"])},
    "__float__": lambda x, b: {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[x["__float__"]],
    "__ref__": lambda x, b: (lambda c, i: Ref(int(c), None if i is None else int(i)))(
        *x["__ref__"]
    ),
    "__callback__": lambda x, b: Callback(int(x["__callback__"])),
    "__unsupported__": lambda x, b: Unsupported(str(x["__unsupported__"]), str(x.get("repr", ""))),
}
_MALFORMED = (KeyError, ValueError, TypeError, IndexError)


def _hook(bufs: _Buffers) -> Any:
    tags, stream = _TAGS.get, _stream

    def hook(x: dict) -> Any:
        for key in x:  # noqa: B007 - the first key is the tag, if any
            break
        else:
            return x
        if key == "__f8__" and len(x) == 1:  # most tagged objects: inline, no handler call
            try:
                return stream(x[key], bufs, "f8")
            except _MALFORMED as exc:
                raise ProtocolError("malformed tagged value") from exc
        handler = tags(key)
        if handler is None:
            return x
        try:
            return handler(x, bufs)
        except _MALFORMED as exc:
            raise ProtocolError("malformed tagged value") from exc

    return hook


def decode(frame: bytes) -> Any:
    """Parse one frame back into plain data; raises ProtocolError on anything else."""
    try:
        hlen, nbufs = struct.unpack_from("<II", frame, 0)
        lens = struct.unpack_from(f"<{nbufs}Q", frame, 8)
        pos = 8 + 8 * nbufs
        header = bytes(frame[pos : pos + hlen])
        pos += hlen
        view = memoryview(frame)
        bufs = _Buffers()
        for n in lens:
            bufs.append(view[pos : pos + n])
            pos += n
        if pos != len(frame):
            raise ProtocolError("trailing bytes in frame")
        value = json.loads(header, object_hook=_hook(bufs))
    except (struct.error, ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ProtocolError(f"malformed frame: {exc}") from exc
    # JSON depth bounds the value's (a tuple is two JSON levels): walk only when needed
    if json_depth(header) > MAX_DEPTH + 1 and too_deep(value, 0):
        raise ProtocolError("value nested too deeply")
    return value


# --- messages over a stream socket (the frames themselves: ``framing``) ---------------


def send(sock: Any, message: Any) -> None:
    """Write one message as a length-prefixed frame to a connected socket."""
    send_frame(sock, encode(message))


def send_with_fds(sock: socket.socket, message: Any, fds: list[int]) -> None:
    """Write one message with file descriptors attached (SCM_RIGHTS) to its first bytes."""
    send_frame_with_fds(sock, encode(message), fds)


def recv(sock: Any, limit: int = MAX_FRAME_BYTES) -> Any:
    """Read one frame (refusing frames over ``limit`` bytes) and decode it."""
    return decode(recv_frame(sock, limit))


def recv_with_fds(
    sock: socket.socket, max_fds: int, limit: int = MAX_FRAME_BYTES
) -> tuple[Any, list[int]]:
    """Read one message and the descriptors sent with it (see ``send_with_fds``).

    Raises EOFError when the peer closed the connection, ProtocolError on a malformed or
    oversized message; either way the descriptors that came with it are closed first.
    """
    frame, fds = recv_frame_with_fds(sock, max_fds, limit)
    try:
        return decode(frame), fds
    except BaseException:
        close_all(fds)
        raise
