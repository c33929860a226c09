"""Microseconds since the epoch, as the store keeps them, to and from protobuf Timestamps."""

from google.protobuf.timestamp_pb2 import Timestamp


def to_timestamp(micros: int | None) -> Timestamp | None:
    """None stays None, so the proto field stays unset."""
    if micros is None:
        return None
    timestamp = Timestamp()
    timestamp.FromMicroseconds(micros)
    return timestamp
