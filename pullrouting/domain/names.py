"""Resource names (AIP-122): `{collection}/{id}`, with ids that read well in URLs and grpcurl lines."""

import re
import uuid

from pullrouting.domain.errors import InvalidInput, Violations

ID_PATTERN = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
ID_RULE = "1-63 characters: lower-case letters, digits and hyphens, not starting or ending with a hyphen"

MEDIA_ROUTING_DOMAINS = "mediaRoutingDomains"
CHANNEL_TYPES = "channelTypes"
LISTS = "lists"
CHANNELS = "channels"
AGENTS = "agents"
INGESTORS = "ingestors"
SUPERVISORS = "supervisors"
CONVERSATIONS = "conversations"
MESSAGES = "messages"
WRAP_UP_CODES = "wrapUpCodes"
INVITATIONS = "invitations"


def new_id() -> str:
    return str(uuid.uuid4())


def format_name(collection: str, resource_id: str) -> str:
    return f"{collection}/{resource_id}"


def is_valid_id(resource_id: str) -> bool:
    return bool(ID_PATTERN.fullmatch(resource_id))


def check_id(violations: Violations, resource_id: str, field_path: str) -> None:
    violations.check(is_valid_id(resource_id), field_path, f"must be {ID_RULE}")


def id_from_name(name: str, collection: str) -> str | None:
    """The id in `name` when it is a well-formed name in `collection`, else None."""
    prefix = collection + "/"
    if not name.startswith(prefix):
        return None
    resource_id = name[len(prefix):]
    return resource_id if is_valid_id(resource_id) else None


def parse_name(name: str, collection: str, field_path: str) -> str:
    """The id of a required resource name; INVALID_ARGUMENT naming `field_path` when malformed."""
    resource_id = id_from_name(name, collection)
    if resource_id is None:
        what = "is required" if not name else "is not a valid resource name"
        raise InvalidInput.of(field_path, f"{what}: expected `{collection}/{{id}}`, id {ID_RULE}")
    return resource_id


def check_name(violations: Violations, name: str, collection: str, field_path: str) -> str | None:
    """Like parse_name, but records the violation instead of raising, so several fields are reported."""
    resource_id = id_from_name(name, collection)
    if resource_id is None:
        what = "is required" if not name else "is not a valid resource name"
        violations.add(field_path, f"{what}: expected `{collection}/{{id}}`")
    return resource_id



def check_message_name(violations: Violations, name: str, field_path: str) -> tuple[str, str] | None:
    """(conversation id, message id) of `conversations/{conversation}/messages/{message}`; records the
    violation when malformed."""
    return _check_conversation_child(violations, name, MESSAGES, field_path)


def check_invitation_name(violations: Violations, name: str, field_path: str) -> tuple[str, str] | None:
    """(conversation id, invitation id) of `conversations/{conversation}/invitations/{invitation}`."""
    return _check_conversation_child(violations, name, INVITATIONS, field_path)


def _check_conversation_child(
    violations: Violations, name: str, collection: str, field_path: str
) -> tuple[str, str] | None:
    conversation, separator, child = name.rpartition(f"/{collection}/")
    conversation_id = id_from_name(conversation, CONVERSATIONS) if separator else None
    if conversation_id is None or not is_valid_id(child):
        what = "is required" if not name else "is not a valid resource name"
        violations.add(field_path, f"{what}: expected `{CONVERSATIONS}/{{id}}/{collection}/{{id}}`")
        return None
    return conversation_id, child
