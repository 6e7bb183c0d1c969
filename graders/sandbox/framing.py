"""Frames on a stream socket: ``u64 frame_len | frame`` (little-endian), and nothing else.

The only code that reads or writes the length prefix.  A frame is bytes here; ``protocol``
encodes and decodes them (``protocol.send`` / ``protocol.recv`` are the message-level calls).
Like ``protocol``, this module imports only the standard library: the sandboxed worker gets a
copy of it.
"""

from __future__ import annotations

import os
import socket
import struct
from typing import Any

MAX_FRAME_BYTES = 256 * 1024 * 1024
_LEN = struct.Struct("<Q")
_FIRST_READ = 1 << 16  #: the bytes that carry descriptors (the rest of a message follows)


class ProtocolError(Exception):
    """A frame that is not well-formed plain data (or is too large)."""


def send_frame(sock: Any, frame: bytes) -> None:
    """Write an already encoded frame (e.g. one cached for every student)."""
    sock.sendall(_LEN.pack(len(frame)) + frame)


def send_frame_with_fds(sock: socket.socket, frame: bytes, fds: list[int]) -> None:
    """Write one frame with file descriptors attached (SCM_RIGHTS) to its first bytes."""
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


def recv_frame(sock: Any, limit: int = MAX_FRAME_BYTES) -> bytes:
    """Read one frame, refusing frames over ``limit`` bytes."""
    return _recv_exact(sock, _length(_recv_exact(sock, _LEN.size), limit))


def recv_frame_with_fds(
    sock: socket.socket, max_fds: int, limit: int = MAX_FRAME_BYTES
) -> tuple[bytes, list[int]]:
    """Read one frame and the descriptors sent with it (see ``send_frame_with_fds``).

    Raises EOFError when the peer closed the connection, ProtocolError on an oversized
    frame; either way the descriptors that came with it are closed first.
    """
    raw, fds, _flags, _addr = socket.recv_fds(sock, _FIRST_READ, max_fds)
    try:
        if not raw:
            raise EOFError("peer closed the connection")
        head = raw if len(raw) >= _LEN.size else _recv_exact(sock, _LEN.size, raw)
        n = _length(head[: _LEN.size], limit)
        body = head[_LEN.size :]
        if len(body) > n:
            raise ProtocolError("trailing bytes after the message")
        return _recv_exact(sock, n, body), fds
    except BaseException:
        close_all(fds)
        raise


def close_all(fds: list[int]) -> None:
    """Close descriptors that arrived with a frame nobody will use."""
    for fd in fds:
        os.close(fd)
