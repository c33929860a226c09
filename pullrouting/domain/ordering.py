"""The orders conversation listings take (AIP-132 `order_by`): `waiting_since`, `create_time` and `priority`,
each ascending unless followed by `desc`, combined with commas (`priority desc, waiting_since`). Ties are
broken by creation time, then id, so an order is total and a page token (the sort key of the last item
shown) says exactly where the next page starts."""

from dataclasses import dataclass
from enum import StrEnum

from pullrouting.domain.errors import InvalidInput
from pullrouting.domain.model import Conversation

# What `waiting_since` sorts as when nobody waits: after every real time, so ascending lists the longest
# waits first and the requests nobody waits on last.
NOT_WAITING = 2**62
# Every field once, each with a direction, fits many times over; a longer order_by is not one.
MAX_ORDER_BY_LENGTH = 200


class OrderField(StrEnum):
    WAITING_SINCE = "waiting_since"
    CREATE_TIME = "create_time"
    PRIORITY = "priority"


FIELD_NAMES = frozenset(field.value for field in OrderField)


@dataclass(frozen=True)
class SortKey:
    # A Conversation attribute: an OrderField's value, or "id" for the last tie-break.
    field: str
    descending: bool = False


@dataclass(frozen=True)
class ConversationOrder:
    # The requested keys, then the tie-breaks.
    keys: tuple[SortKey, ...]

    @property
    def is_default(self) -> bool:
        return self == DEFAULT_ORDER

    @property
    def canonical(self) -> str:
        """The order as `order_by` spells it, tie-breaks included: equal for equal orders."""
        return ", ".join(f"{key.field}{' desc' if key.descending else ''}" for key in self.keys)

    def key_of(self, conversation: Conversation) -> tuple[int | str, ...]:
        """The conversation's sort key: what a page token carries."""
        return tuple(sort_value(conversation, key.field) for key in self.keys)


def sort_value(conversation: Conversation, field: str) -> int | str:
    if field == OrderField.WAITING_SINCE:
        return NOT_WAITING if conversation.waiting_since is None else conversation.waiting_since
    value: int | str = getattr(conversation, field)
    return value


def _with_tie_breaks(keys: list[SortKey]) -> ConversationOrder:
    if all(key.field != OrderField.CREATE_TIME for key in keys):
        keys.append(SortKey(OrderField.CREATE_TIME))
    keys.append(SortKey("id"))
    return ConversationOrder(tuple(keys))


# Oldest first: how listings and WatchLists snapshots order requests unless told otherwise.
DEFAULT_ORDER = _with_tie_breaks([])


def parse_order_by(order_by: str, field_path: str = "order_by") -> ConversationOrder:
    """The order `order_by` asks for; empty means oldest first. INVALID_ARGUMENT naming an unknown field,
    an unknown direction, a field given twice or an empty term."""
    if len(order_by) > MAX_ORDER_BY_LENGTH:
        raise InvalidInput.of(field_path, f"must be at most {MAX_ORDER_BY_LENGTH} characters long")
    if not order_by.strip():
        return DEFAULT_ORDER
    fields = ", ".join(field.value for field in OrderField)
    keys: list[SortKey] = []
    for term in order_by.split(","):
        words = term.split()
        if not words or len(words) > 2:
            raise InvalidInput.of(field_path, f"{term.strip()!r} is not a field optionally followed by asc or desc")
        name, direction = words[0], words[1] if len(words) == 2 else "asc"
        if name not in FIELD_NAMES:
            raise InvalidInput.of(field_path, f"conversations cannot be ordered by {name!r}; only by {fields}")
        if direction not in ("asc", "desc"):
            raise InvalidInput.of(field_path, f"{direction!r} after {name!r} is not a direction: asc or desc")
        if any(key.field == name for key in keys):
            raise InvalidInput.of(field_path, f"{name!r} is given twice")
        keys.append(SortKey(OrderField(name), descending=direction == "desc"))
    return _with_tie_breaks(keys)
