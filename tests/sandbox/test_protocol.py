"""The wire format carries plain data only, and refuses anything else."""

from __future__ import annotations

import math
import os
import socket
import threading

import numpy as np
import pytest

from graders.sandbox import protocol


def test_round_trip_of_plain_values():
    """Numbers, strings, None, tuples, lists, dicts and arrays come back equal and plain."""
    value = {
        "a": (1, 2.5, None, "x", True),
        "b": [np.arange(6.0).reshape(2, 3)],
        "c": np.array([1, 2], dtype=np.int32),
        "d": np.float32(1.5),
        "e": b"raw",
        "f": [math.inf, -math.inf],
    }
    back = protocol.decode(protocol.encode(value))
    assert back["a"] == (1, 2.5, None, "x", True)
    np.testing.assert_array_equal(back["b"][0], np.arange(6.0).reshape(2, 3))
    assert back["c"].dtype == np.int64 and back["d"] == 1.5 and back["e"] == b"raw"
    assert back["f"] == [math.inf, -math.inf]
    assert math.isnan(protocol.decode(protocol.encode(math.nan)))


def test_dicts_that_look_like_tags_stay_dicts():
    """Plain dicts travel as JSON objects; one with a ``__`` key cannot pose as a tag."""
    for value in (
        {},
        {"fn": "f", "kwargs": {}},
        {"__nd__": 0, "dtype": "f8", "shape": [9]},
        {"x": {"__ref__": [0, None]}},
        {"a": 1, "__float__": "nan"},
    ):
        back = protocol.decode(protocol.encode(value))
        assert back == value and type(back) is dict


def test_subclasses_arrive_as_plain_ndarrays():
    """An ndarray subclass (which could lie in comparisons) decodes as a base ndarray."""

    class Liar(np.ndarray):
        def __eq__(self, other):
            return True

    back = protocol.decode(protocol.encode(np.zeros(3).view(Liar)))
    assert type(back) is np.ndarray
    assert not np.array_equal(back, np.ones(3))


def test_objects_become_unsupported_markers():
    """Arbitrary objects never cross: only their type name does."""

    class Thing:
        pass

    back = protocol.decode(protocol.encode([Thing(), {1: 2}, np.array(["s"])]))
    assert all(isinstance(b, protocol.Unsupported) for b in back)
    assert back[0].type_name.endswith("Thing")


@pytest.mark.parametrize(
    "frame", [b"", b"\x00" * 3, b"\xff" * 20, protocol.encode([1, 2])[:-1] + b"x"]
)
def test_malformed_frames_raise_protocol_error(frame):
    """Garbage from a worker is an error, never a crash or a value."""
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(frame)


def test_array_size_must_match_shape():
    """A header that lies about an array's shape or place in its buffer is refused."""
    frame = protocol.encode(np.zeros(4))
    for lie in (
        b'"__f8__":[0,0,5]',
        b'"__f8__":[0,1,4]',
        b'"__f8__":[0,-1,4]',
        b'"__f8__":[1,0,4]',
        b'"__f8__":[0,0,-4]',
        b'"__f8__":[0,0,true]',
    ):
        with pytest.raises(protocol.ProtocolError):
            protocol.decode(frame.replace(b'"__f8__":[0,0,4]', lie))
    for tag in (b"__f8__", b"__i8__"):  # the streams' tags, built by hand (no framing lies)
        streams = (np.zeros(4).tobytes(), np.zeros(4, dtype=np.int64).tobytes())
        good = _frame(b'{"%s":[%d,0,4]}' % (tag, tag == b"__i8__"), *streams)
        assert protocol.decode(good).tolist() == [0, 0, 0, 0]
        for lie in (
            b"[1,0,5]",
            b"[0,1,4]",
            b"[1,-1,4]",
            b"[2,0,4]",
            b"[-1,0,4]",
            b"[1,0,-4]",
            b"[1,0,2.0,2]",
            b"[1,0,true]",
            b"[1,0.5,4]",
            b'["1",0,4]',
            b"[]",
            b"5",
        ):
            with pytest.raises(protocol.ProtocolError):
                protocol.decode(_frame(b'{"%s":%s}' % (tag, lie), *streams))
    frame = protocol.encode(np.zeros(4, dtype=np.int32))  # one buffer of its own
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(frame.replace(b'"shape":[4]', b'"shape":[5]'))


def test_int64_arrays_share_one_stream_and_come_back_plain():
    """Every int64 array of a message rides in buffer 1; each decodes as its own plain,
    writable int64 array of its shape, beside float64 ones (buffer 0)."""
    value = [np.arange(5), np.arange(6).reshape(2, 3), np.zeros(3), np.array(7), np.arange(0)]
    frame = protocol.encode(value)
    assert frame.count(b"__i8__") == 4 and frame.count(b"__nd__") == 0
    back = protocol.decode(frame)
    for got, sent in zip(back, value):
        assert type(got) is np.ndarray and got.dtype == sent.dtype and got.shape == sent.shape
        assert got.flags.writeable and got.tolist() == sent.tolist()
    assert not np.shares_memory(back[0], back[1])


def _frame(header: bytes, *bufs: bytes) -> bytes:
    lens = b"".join(len(b).to_bytes(8, "little") for b in bufs)
    return (
        len(header).to_bytes(4, "little")
        + len(bufs).to_bytes(4, "little")
        + lens
        + header
        + b"".join(bufs)
    )


def test_frames_in_the_earlier_format_still_decode():
    """Shipped data written before the float64 stream (one buffer per array, tagged
    non-finite floats) decodes to the same values."""
    header = (
        b'{"a":{"__nd__":0,"dtype":"f8","shape":[2,1]},"b":{"__float__":"-inf"},'
        b'"c":{"__tuple__":[{"__float__":"nan"},1]}}'
    )
    back = protocol.decode(_frame(header, np.array([1.5, 2.5]).tobytes()))
    assert back["a"].shape == (2, 1) and back["a"].tolist() == [[1.5], [2.5]]
    assert back["b"] == -math.inf and math.isnan(back["c"][0]) and back["c"][1] == 1


def test_arrays_of_one_message_do_not_share_memory():
    """Each decoded array owns its memory: writing one changes no other, nor the frame."""
    frame = protocol.encode([np.zeros(3), np.ones((2, 2))])
    a, b = protocol.decode(frame)
    assert a.flags.writeable and b.flags.writeable and not np.shares_memory(a, b)
    a[:] = 7
    b[:] = 7
    assert b.tolist() == [[7.0, 7.0], [7.0, 7.0]] and frame == protocol.encode(
        [np.zeros(3), np.ones((2, 2))]
    )


def test_nesting_is_limited_and_brackets_in_strings_do_not_count():
    """A value nested past MAX_DEPTH is refused whichever decoder reads it; brackets and
    escaped quotes inside strings are not nesting; deep tuples are measured exactly."""
    deep = b"[" * 40 + b"]" * 40
    with pytest.raises(protocol.ProtocolError, match="deeply"):
        protocol.decode(_frame(deep))
    text = '"]]]]"' + "[" * 40 + '\\"{{'
    assert protocol.decode(protocol.encode([text, "]" * 50, {"k": text}])) == [
        text,
        "]" * 50,
        {"k": text},
    ]
    hidden = b'["]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\\\\\\"\\\\",' + deep + b"]"
    with pytest.raises(protocol.ProtocolError, match="deeply"):
        protocol.decode(_frame(hidden))
    value: object = 1.0
    for _ in range(20):  # 20 tuples: 40 JSON levels, 20 of the limit's
        value = (value,)
    assert protocol.decode(protocol.encode(value)) == value
    with pytest.raises(protocol.ProtocolError, match="deeply"):
        nested: list = [1]
        for _ in range(40):
            nested = [nested]
        protocol.encode(nested)


def test_function_arguments_become_callbacks_only_when_asked():
    """encode(functions=...) numbers each callable as a Callback; without it a callable is
    unsupported, as any other object."""

    def f(x):
        return x

    functions: list = []
    back = protocol.decode(protocol.encode({"args": [f, (1, f)]}, functions))
    assert functions == [f, f]
    assert [c.key for c in (back["args"][0], back["args"][1][1])] == [0, 1]
    assert isinstance(protocol.decode(protocol.encode([f]))[0], protocol.Unsupported)


# --- framing: one length prefix, with or without descriptors ------------------------------


def test_a_message_with_a_descriptor_arrives_whole_with_it():
    """send_with_fds / recv_with_fds carry a message larger than one read and its socket."""
    ours, theirs = socket.socketpair()
    extra_a, extra_b = socket.socketpair()
    try:
        message = {"op": "spawn", "files": {"m.py": b"x" * 300_000}}
        sender = threading.Thread(
            target=protocol.send_with_fds, args=(ours, message, [extra_a.fileno()])
        )
        sender.start()
        got, fds = protocol.recv_with_fds(theirs, max_fds=4)
        sender.join()
        assert got == message and len(fds) == 1
        with socket.socket(fileno=fds[0]) as passed:
            passed.sendall(b"ping")
            assert extra_b.recv(4) == b"ping"
    finally:
        for s in (ours, theirs, extra_a, extra_b):
            s.close()


def test_a_frame_over_the_limit_is_refused_and_its_descriptors_closed():
    """recv_with_fds raises ProtocolError past the limit, closing what came with the message."""
    ours, theirs = socket.socketpair()
    extra_a, extra_b = socket.socketpair()
    try:
        protocol.send_with_fds(ours, {"blob": b"x" * 1000}, [extra_a.fileno()])
        before = set(os.listdir("/proc/self/fd"))
        with pytest.raises(protocol.ProtocolError, match="over the limit"):
            protocol.recv_with_fds(theirs, max_fds=4, limit=100)
        assert set(os.listdir("/proc/self/fd")) <= before
    finally:
        for s in (ours, theirs, extra_a, extra_b):
            s.close()


def test_a_closed_peer_is_end_of_file_for_both_readers():
    """recv and recv_with_fds raise EOFError when the other end has closed."""
    for read in (protocol.recv, lambda s: protocol.recv_with_fds(s, max_fds=1)):
        ours, theirs = socket.socketpair()
        ours.close()
        with pytest.raises(EOFError):
            read(theirs)
        theirs.close()


def test_send_and_recv_agree_with_send_with_fds():
    """A message sent without descriptors by either sender is read by either reader."""
    ours, theirs = socket.socketpair()
    try:
        protocol.send_with_fds(ours, {"op": "sweep"}, [])
        protocol.send(ours, {"op": "exit"})
        assert protocol.recv(theirs) == {"op": "sweep"}
        assert protocol.recv_with_fds(theirs, max_fds=1) == ({"op": "exit"}, [])
    finally:
        ours.close()
        theirs.close()
