"""Writes pullrouting_client/enums.py: a Python IntEnum for every enum of the pullrouting.v1 protos, named as in
the proto, its members without the enum's prefix (ConversationState.ACTIVE for CONVERSATION_STATE_ACTIVE).
Run by `make generate` after the stubs, so that the enums never drift from the proto."""

import re
import sys
from pathlib import Path

from google.protobuf.descriptor import EnumDescriptor

from pullrouting.v1 import (
    admin_service_pb2,
    agent_service_pb2,
    conversation_pb2,
    events_pb2,
    ingest_service_pb2,
    resources_pb2,
    supervisor_events_pb2,
)

MODULES = [
    conversation_pb2,
    events_pb2,
    resources_pb2,
    agent_service_pb2,
    admin_service_pb2,
    ingest_service_pb2,
    supervisor_events_pb2,
]
TARGET = Path(__file__).resolve().parent.parent / "pullrouting_client" / "enums.py"

HEADER = '''"""The API's enums as Python IntEnums, generated from the proto by `make generate` (do not edit).

Each member equals the int a message field holds, so `conversation.state == ConversationState.ACTIVE` holds,
and `ConversationState(conversation.state)` names a field's value (a value this SDK does not know yet, from a
newer server, becomes a member named UNKNOWN_<n> instead of failing).
"""

import enum


class ProtoEnum(enum.IntEnum):
    """An enum of the API; unknown values (from a newer server) become UNKNOWN_<n> members."""

    @classmethod
    def _missing_(cls, value: object) -> "ProtoEnum | None":
        if not isinstance(value, int):
            return None
        member = int.__new__(cls, value)
        member._name_ = f"UNKNOWN_{value}"
        member._value_ = value
        return member
'''


def prefix(enum: EnumDescriptor) -> str:
    """CONVERSATION_STATE_ for ConversationState."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", enum.name).upper() + "_"


def main() -> None:
    parts = [HEADER]
    for module in MODULES:
        for enum in module.DESCRIPTOR.enum_types_by_name.values():
            parts.append(f"\n\nclass {enum.name}(ProtoEnum):\n    \"\"\"pullrouting.v1.{enum.name}.\"\"\"\n\n")
            for value in enum.values:
                parts.append(f"    {value.name.removeprefix(prefix(enum))} = {value.number}\n")
    text = "".join(parts)
    if len(sys.argv) > 1 and sys.argv[1] == "--check":
        sys.exit(0 if TARGET.read_text() == text else f"{TARGET} is stale: run make generate")
    TARGET.write_text(text)


if __name__ == "__main__":
    main()
