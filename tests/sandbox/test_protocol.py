"""The wire format carries plain data only, and refuses anything else."""

from __future__ import annotations

import math

import numpy as np
import pytest

from graders.sandbox import protocol


def test_round_trip_of_plain_values():
    """Numbers, strings, None, tuples, lists, dicts and arrays come back equal and plain."""
    value = {"a": (1, 2.5, None, "x", True), "b": [np.arange(6.0).reshape(2, 3)],
             "c": np.array([1, 2], dtype=np.int32), "d": np.float32(1.5), "e": b"raw",
             "f": [math.inf, -math.inf]}
    back = protocol.decode(protocol.encode(value))
    assert back["a"] == (1, 2.5, None, "x", True)
    np.testing.assert_array_equal(back["b"][0], np.arange(6.0).reshape(2, 3))
    assert back["c"].dtype == np.int64 and back["d"] == 1.5 and back["e"] == b"raw"
    assert back["f"] == [math.inf, -math.inf]
    assert math.isnan(protocol.decode(protocol.encode(math.nan)))


def test_dicts_that_look_like_tags_stay_dicts():
    """Plain dicts travel as JSON objects; one with a ``__`` key cannot pose as a tag."""
    for value in ({}, {"fn": "f", "kwargs": {}}, {"__nd__": 0, "dtype": "f8", "shape": [9]},
                  {"x": {"__ref__": [0, None]}}, {"a": 1, "__float__": "nan"}):
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


@pytest.mark.parametrize("frame", [b"", b"\x00" * 3, b"\xff" * 20,
                                   protocol.encode([1, 2])[:-1] + b"x"])
def test_malformed_frames_raise_protocol_error(frame):
    """Garbage from a worker is an error, never a crash or a value."""
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(frame)


def test_array_size_must_match_shape():
    """A header that lies about an array's shape is refused."""
    frame = bytearray(protocol.encode(np.zeros(4)))
    frame = bytes(frame).replace(b'"shape":[4]', b'"shape":[5]')
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(frame)
