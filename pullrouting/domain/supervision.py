"""What a supervisor may see: the conversations of its Lists. A conversation elsewhere and one that does not
exist get the same refusal, so that a supervisor learns nothing of what lies outside its scope (AIP-211:
permission is checked before existence)."""

from collections.abc import Collection

from pullrouting.domain.errors import DomainError, Reason
from pullrouting.domain.model import Conversation
from pullrouting.domain.names import CONVERSATIONS, LISTS, format_name


def check_list_in_scope(list_id: str, scope: Collection[str]) -> None:
    if list_id not in scope:
        list_name = format_name(LISTS, list_id)
        raise DomainError(Reason.NOT_ENTITLED, f"{list_name} is not one of the supervisor's lists", list=list_name)


def check_conversation_in_scope(
    conversation: Conversation | None, conversation_id: str, scope: Collection[str]
) -> Conversation:
    """The conversation when it is on one of the supervisor's lists; NOT_ENTITLED otherwise, whether it
    exists or not."""
    if conversation is None or conversation.list_id not in scope:
        name = format_name(CONVERSATIONS, conversation_id)
        raise DomainError(Reason.NOT_ENTITLED, f"{name} is not on one of the supervisor's lists", conversation=name)
    return conversation
