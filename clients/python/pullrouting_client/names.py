"""Resource names (AIP-122): `lists/l1`, `conversations/{id}`... built from ids and taken apart again."""

MEDIA_ROUTING_DOMAINS = "mediaRoutingDomains"
CHANNEL_TYPES = "channelTypes"
LISTS = "lists"
CHANNELS = "channels"
AGENTS = "agents"
INGESTORS = "ingestors"
CONVERSATIONS = "conversations"
SUPERVISORS = "supervisors"


def name(collection: str, resource_id: str) -> str:
    return f"{collection}/{resource_id}"


def list_name(list_id: str) -> str:
    return name(LISTS, list_id)


def conversation_name(conversation_id: str) -> str:
    return name(CONVERSATIONS, conversation_id)


def agent_name(agent_id: str) -> str:
    return name(AGENTS, agent_id)


def channel_name(channel_id: str) -> str:
    return name(CHANNELS, channel_id)


def supervisor_name(supervisor_id: str) -> str:
    return name(SUPERVISORS, supervisor_id)


def resource_id(resource_name: str, collection: str) -> str:
    """The id in `{collection}/{id}`; ValueError for a name of another collection or shape."""
    prefix, _, found = resource_name.partition("/")
    if prefix != collection or not found or "/" in found:
        raise ValueError(f"{resource_name!r} is not a {collection}/{{id}} name")
    return found
