"""The request lifecycle: which transitions are allowed, what they change and which events they emit.

UNREAD -> ACTIVE on the first join; ACTIVE -> INACTIVE when the last participant leaves; INACTIVE -> ACTIVE on
a join; any open state -> CLOSED; CLOSED is terminal. Every function takes the conversation as it is (read
under the transaction's lock) and returns it as it becomes, with the events to write in the same transaction.
Pure Python: the store decides nothing, it loads the facts these rules need and writes what they return.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from pullrouting.domain.errors import DomainError, InvalidInput, Reason, Violations
from pullrouting.domain.events import (
    ConversationEventType,
    Event,
    LeaveCause,
    ListAlert,
    ListEventType,
    OutboundEventType,
    SubscriptionEventType,
    conversation_payload,
)
from pullrouting.domain.model import (
    CloseReason,
    Conversation,
    ConversationState,
    Message,
    MessageVisibility,
    Participant,
    SenderType,
    SupervisorParticipant,
    WrapUp,
)
from pullrouting.domain.names import (
    CHANNELS,
    CONVERSATIONS,
    LISTS,
    WRAP_UP_CODES,
    check_message_name,
    check_name,
    format_name,
)
from pullrouting.domain.resources import RoutingMode

TEXT_MAX_LENGTH = 4096
# Column sizes: a customer's id on its channel, and the connector's or desktop's message id.
CUSTOMER_ID_MAX_LENGTH = 500
IDEMPOTENCY_KEY_MAX_LENGTH = 500
# A request's priority: 0 (the default) to 9, as the connector sets it.
MAX_PRIORITY = 9
# How much of the last message a row shows: enough to triage without opening the conversation.
PREVIEW_LENGTH = 200
AGENT_CLOSE_REASONS = (CloseReason.AGENT, CloseReason.INACTIVITY)
# A close records a few outcomes, not a catalogue.
MAX_WRAP_UP_CODES = 20
NO_WRAP_UP = WrapUp()


@dataclass(frozen=True)
class Outcome:
    """A conversation after a change, the message the change wrote (if any) and the events it emits.
    No events means nothing changed (an idempotent repeat)."""

    conversation: Conversation
    events: tuple[Event, ...] = ()
    message: Message | None = None


@dataclass(frozen=True)
class Access:
    """What the calling agent may do on the conversation's list."""

    entitled: bool
    subscribed: bool


@dataclass(frozen=True)
class JoinLimits:
    """The caps a join is checked against; 0 means no cap."""

    max_participants: int
    max_conversations_per_agent: int
    agent_open_conversations: int


@dataclass(frozen=True)
class WrapUpRules:
    """What a close's wrap-up is checked against: whether the list requires a code, and the lists each named
    code is for (empty: every list); a code missing here does not exist."""

    required: bool = False
    code_lists: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class IngestChannel:
    """What the rules need to know about the channel a customer message arrives on."""

    id: str
    service_identifier: str
    routing_mode: str
    list_id: str | None
    enabled: bool


def check_text(violations: Violations, text: str, field_path: str) -> None:
    violations.check(0 < len(text) <= TEXT_MAX_LENGTH, field_path, f"must be 1 to {TEXT_MAX_LENGTH} characters long")


def check_idempotency_key(violations: Violations, key: str, field_path: str) -> None:
    limit = IDEMPOTENCY_KEY_MAX_LENGTH
    violations.check(len(key) <= limit, field_path, f"must be at most {limit} characters long")


def check_expected_last_message(
    violations: Violations, name: str, conversation_id: str | None, field_path: str
) -> str | None:
    """The message id of a send's expected_last_message, a message of the conversation it writes to; None when
    empty (no check) or bad (recorded)."""
    if not name:
        return None
    expected = check_message_name(violations, name, field_path)
    if expected is None:
        return None
    violations.check(expected[0] == conversation_id, field_path, "must be a message of the conversation written to")
    return expected[1]


def check_priority(violations: Violations, priority: int, field_path: str) -> None:
    violations.check(0 <= priority <= MAX_PRIORITY, field_path, f"must be 0 to {MAX_PRIORITY}")


def customer_message_scope(channel_id: str) -> str:
    """Customer messages are idempotent per channel on the connector's source_message_id."""
    return f"channel:{channel_id}"


def agent_message_scope(conversation_id: str, agent_id: str) -> str:
    """Agent messages are idempotent per conversation and agent on the desktop's client_message_id."""
    return f"agent:{conversation_id}:{agent_id}"


def supervisor_message_scope(conversation_id: str, supervisor_id: str) -> str:
    """Supervisor messages are idempotent per conversation and supervisor on the console's request_id."""
    return f"supervisor:{conversation_id}:{supervisor_id}"


def opened_by(conversation: Conversation, message: Message) -> bool:
    """Whether `message` opened `conversation`: only the opening message shares its create time, since
    every later change happens strictly later (see `_tick`)."""
    return message.create_time == conversation.create_time


def is_participant(conversation: Conversation, agent_id: str) -> bool:
    return any(p.agent_id == agent_id for p in conversation.participants)


def is_supervising(conversation: Conversation, supervisor_id: str) -> bool:
    """Whether the supervisor barged in and is still in the conversation."""
    return any(s.supervisor_id == supervisor_id for s in conversation.supervisors)


# Refusals.


def check_accepts_customer_messages(channel: IngestChannel) -> str:
    """The list new requests of `channel` land on; refuses disabled and push channels."""
    if not channel.enabled:
        raise DomainError(
            Reason.CHANNEL_DISABLED,
            f"the channel serving {channel.service_identifier!r} is disabled",
            channel=format_name(CHANNELS, channel.id),
        )
    if channel.routing_mode != RoutingMode.PULL or channel.list_id is None:
        raise DomainError(
            Reason.CHANNEL_NOT_PULL,
            f"the channel serving {channel.service_identifier!r} is not in pull routing mode",
            channel=format_name(CHANNELS, channel.id),
        )
    return channel.list_id


def check_entitled(entitled: bool, list_id: str) -> None:
    """Agents see and touch only the lists they are entitled to (and subscribe only to those)."""
    if not entitled:
        list_name = format_name(LISTS, list_id)
        raise DomainError(Reason.NOT_ENTITLED, f"the agent is not entitled to {list_name}", list=list_name)


def check_participant(conversation: Conversation, agent_id: str) -> None:
    """Writing to a conversation and watching it are for its participants."""
    if not is_participant(conversation, agent_id):
        name = format_name(CONVERSATIONS, conversation.id)
        raise DomainError(Reason.NOT_PARTICIPANT, f"the agent is not in {name}", conversation=name)


def _check_supervising(conversation: Conversation, supervisor_id: str) -> None:
    """Writing to the customer is for a supervisor who barged in and has not left."""
    if not is_supervising(conversation, supervisor_id):
        name = format_name(CONVERSATIONS, conversation.id)
        raise DomainError(
            Reason.NOT_PARTICIPANT, f"the supervisor is not in {name}: barge in first (BargeIn)", conversation=name
        )


def _check_fresh_view(conversation: Conversation, expected_last_message_id: str | None, newest: str | None) -> None:
    """With the newest message the writer saw, a send made on a stale view (someone wrote since) is refused,
    naming the newest message."""
    if expected_last_message_id is not None and newest != expected_last_message_id:
        conversation_name = format_name(CONVERSATIONS, conversation.id)
        newest_name = f"{conversation_name}/messages/{newest}"
        raise DomainError(
            Reason.STALE_VIEW,
            f"{conversation_name} has a newer message than the one expected: {newest_name}",
            conversation=conversation_name,
            newest_message=newest_name,
        )


@dataclass(frozen=True)
class ParticipationChange:
    """A later event that changed who is in a conversation: AGENT_JOINED, AGENT_LEFT or CONVERSATION_CLOSED."""

    type: ConversationEventType
    agent_id: str | None
    # CONVERSATION_CLOSED: the participants the close let go.
    released: Sequence[str] = ()


def was_participant(conversation: Conversation, agent_id: str, later: Iterable[ParticipationChange]) -> bool:
    """Whether the agent was in the conversation before the `later` changes (newest first): who is in it now,
    with those changes undone. A participant's stream resumed from then delivers everything up to its leave
    or the close."""
    inside = is_participant(conversation, agent_id)
    for change in later:
        if change.type is ConversationEventType.CONVERSATION_CLOSED:
            inside = agent_id in change.released
        elif change.agent_id == agent_id:
            inside = change.type is ConversationEventType.AGENT_LEFT
    return inside


def check_may_see(conversation: Conversation, agent_id: str, entitled: bool) -> None:
    """An agent sees the conversations of its lists, and those it is in (even if no longer entitled)."""
    if not is_participant(conversation, agent_id):
        check_entitled(entitled, conversation.list_id)


def _check_may_act(conversation: Conversation, access: Access) -> None:
    """Joining, and closing a request the agent is not in, need an entitlement to the list, then a
    subscription to it."""
    check_entitled(access.entitled, conversation.list_id)
    if not access.subscribed:
        list_name = format_name(LISTS, conversation.list_id)
        raise DomainError(Reason.NOT_SUBSCRIBED, f"the agent is not subscribed to {list_name}", list=list_name)


def _check_open(conversation: Conversation) -> None:
    if conversation.state == ConversationState.CLOSED:
        name = format_name(CONVERSATIONS, conversation.id)
        raise DomainError(Reason.CONVERSATION_CLOSED, f"{name} is closed", conversation=name)


def agent_close_reason(reason: CloseReason | None) -> CloseReason:
    """Agents close with AGENT (the default) or INACTIVITY; CUSTOMER and FORCED belong to other callers."""
    if reason is None:
        return CloseReason.AGENT
    if reason not in AGENT_CLOSE_REASONS:
        raise DomainError(
            Reason.CLOSE_REASON_NOT_ALLOWED,
            f"agents may close with reason AGENT or INACTIVITY, not {reason.value}",
            close_reason=reason.value,
        )
    return reason


# Transitions.


def _tick(conversation: Conversation, now: int) -> int:
    """The time of a change: strictly after the conversation's last change, so that times order changes
    even if the clock steps back."""
    return max(now, conversation.update_time + 1)


def _event(
    event_type: ListEventType | ConversationEventType | OutboundEventType,
    conversation: Conversation,
    list_id: str,
    agent_id: str | None = None,
    *,
    message: Message | None = None,
    previous_state: ConversationState | None = None,
    close_reason: CloseReason | None = None,
    released: Sequence[str] = (),
    alert: ListAlert | None = None,
    leave_cause: LeaveCause | None = None,
    supervisor_id: str | None = None,
) -> Event:
    """An event about `conversation` (as it is after the change), addressed to the list `list_id` (the one
    a request left, for the event telling that list so) and by the conversation's id and channel. Every
    change to an open request has its list event, so that a watcher's row never goes stale; `alert` says
    whether the desk should ring."""
    payload = conversation_payload(
        conversation,
        message=message,
        previous_state=previous_state,
        close_reason=close_reason,
        released=released,
        alert=alert,
        leave_cause=leave_cause,
        supervisor_id=supervisor_id,
    )
    return Event(event_type, list_id, conversation.id, conversation.channel_id, agent_id, payload)


def _with_message(conversation: Conversation, message: Message) -> Conversation:
    """The conversation after `message`: counted and previewed; a customer message starts the customer's wait
    unless one is running, an agent's answer ends it. An internal note is counted only: the customer saw no
    answer, and a row's last message is the last one exchanged with the customer."""
    if message.visibility is MessageVisibility.INTERNAL:
        return replace(conversation, update_time=message.create_time, message_count=conversation.message_count + 1)
    if message.sender_type is SenderType.CUSTOMER:
        waiting_since = message.create_time if conversation.waiting_since is None else conversation.waiting_since
    else:
        waiting_since = None
    return replace(
        conversation,
        update_time=message.create_time,
        message_count=conversation.message_count + 1,
        last_message_time=message.create_time,
        last_message_sender=message.sender_type,
        last_message_agent_id=message.agent_id,
        last_message_preview=message.text[:PREVIEW_LENGTH],
        waiting_since=waiting_since,
    )


def _state_changed(before: Conversation, after: Conversation, agent_id: str | None) -> list[Event]:
    if before.state == after.state:
        return []
    return [_event(ConversationEventType.STATE_CHANGED, after, after.list_id, agent_id, previous_state=before.state)]


def open_request(
    *,
    conversation_id: str,
    list_id: str,
    channel_id: str,
    customer_id: str,
    customer_display_name: str,
    message_id: str,
    text: str,
    source_message_id: str,
    now: int,
    priority: int = 0,
) -> Outcome:
    """A first customer message: a new UNREAD request lands on the list, with the connector's priority."""
    message = Message(message_id, conversation_id, SenderType.CUSTOMER, text, now, None, source_message_id)
    conversation = _with_message(
        Conversation(
            id=conversation_id,
            list_id=list_id,
            channel_id=channel_id,
            customer_id=customer_id,
            customer_display_name=customer_display_name,
            state=ConversationState.UNREAD,
            create_time=now,
            update_time=now,
            priority=priority,
        ),
        message,
    )
    events = (
        _event(ListEventType.ADDED, conversation, list_id, alert=ListAlert.NEW_REQUEST),
        _event(ConversationEventType.CUSTOMER_MESSAGE, conversation, list_id, message=message),
    )
    return Outcome(conversation, events, message)


def follow_up_alert(conversation: Conversation, follow_up_alerts: bool) -> ListAlert | None:
    """A customer writing on an INACTIVE request (nobody is in it) rings the list's desks only where the list
    opts in; by default the row refreshes silently (the seed: "no new notification is published on the
    List"). On UNREAD and ACTIVE requests somebody is already told."""
    if follow_up_alerts and conversation.state is ConversationState.INACTIVE:
        return ListAlert.FOLLOW_UP
    return None


def add_customer_message(
    conversation: Conversation,
    *,
    message_id: str,
    text: str,
    source_message_id: str,
    now: int,
    follow_up_alerts: bool,
) -> Outcome:
    """A customer message on an open request: no state change; the list's row is refreshed."""
    _check_open(conversation)
    now = _tick(conversation, now)
    message = Message(message_id, conversation.id, SenderType.CUSTOMER, text, now, None, source_message_id)
    after = _with_message(conversation, message)
    events = (
        _event(ConversationEventType.CUSTOMER_MESSAGE, after, after.list_id, message=message),
        _event(ListEventType.UPDATED, after, after.list_id, alert=follow_up_alert(conversation, follow_up_alerts)),
    )
    return Outcome(after, events, message)


def join(conversation: Conversation, agent_id: str, now: int, access: Access, limits: JoinLimits) -> Outcome:
    """An agent joins: entitled, subscribed, open, room on the list, room in the agent's MRD cap."""
    _check_may_act(conversation, access)
    _check_open(conversation)
    if is_participant(conversation, agent_id):
        return Outcome(conversation)
    name = format_name(CONVERSATIONS, conversation.id)
    if limits.max_participants and len(conversation.participants) >= limits.max_participants:
        raise DomainError(
            Reason.LIST_FULL,
            f"{name} already has the {limits.max_participants} participants its list allows",
            conversation=name,
            max_participants=str(limits.max_participants),
        )
    if limits.max_conversations_per_agent and limits.agent_open_conversations >= limits.max_conversations_per_agent:
        raise DomainError(
            Reason.AGENT_AT_CAPACITY,
            f"the agent is already in {limits.agent_open_conversations} open conversations of this media routing "
            f"domain, its cap is {limits.max_conversations_per_agent}",
            max_conversations_per_agent=str(limits.max_conversations_per_agent),
        )
    now = _tick(conversation, now)
    after = replace(
        conversation,
        state=ConversationState.ACTIVE,
        participants=(*conversation.participants, Participant(agent_id, now)),
        update_time=now,
        first_join_time=conversation.first_join_time if conversation.first_join_time is not None else now,
    )
    events = [
        _event(ConversationEventType.AGENT_JOINED, after, after.list_id, agent_id),
        *_state_changed(conversation, after, agent_id),
        _event(ListEventType.UPDATED, after, after.list_id),
    ]
    return Outcome(after, tuple(events))


def leave(conversation: Conversation, agent_id: str, now: int, entitled: bool) -> Outcome:
    """An agent leaves; the last one out leaves the request INACTIVE. Leaving when not in changes nothing."""
    check_may_see(conversation, agent_id, entitled)
    return _let_go(conversation, agent_id, now, LeaveCause.LEFT)


def release(conversation: Conversation, agent_id: str, now: int, cause: LeaveCause) -> Outcome:
    """The system lets an agent go (away too long, disabled, deleted): the same change as a leave, and when
    nobody is left the list is alerted RELEASED, since the request needs somebody again."""
    return _let_go(conversation, agent_id, now, cause)


def _let_go(conversation: Conversation, agent_id: str, now: int, cause: LeaveCause) -> Outcome:
    if not is_participant(conversation, agent_id):
        return Outcome(conversation)
    now = _tick(conversation, now)
    remaining = tuple(p for p in conversation.participants if p.agent_id != agent_id)
    state = ConversationState.ACTIVE if remaining else ConversationState.INACTIVE
    after = replace(conversation, state=state, participants=remaining, update_time=now)
    alert = ListAlert.RELEASED if cause is not LeaveCause.LEFT and not remaining else None
    events = [
        _event(ConversationEventType.AGENT_LEFT, after, after.list_id, agent_id, leave_cause=cause),
        *_state_changed(conversation, after, agent_id),
        _event(ListEventType.UPDATED, after, after.list_id, alert=alert),
    ]
    return Outcome(after, tuple(events))


def close(
    conversation: Conversation,
    reason: CloseReason,
    now: int,
    agent_id: str | None = None,
    wrap_up: WrapUp = NO_WRAP_UP,
) -> Outcome:
    """Any open request -> CLOSED: participants are let go, nobody waits any more, it leaves the list, and,
    unless the customer's side ended it, the connector is told. It keeps the closing agent's wrap-up."""
    _check_open(conversation)
    now = _tick(conversation, now)
    after = replace(
        conversation,
        state=ConversationState.CLOSED,
        participants=(),
        supervisors=(),
        update_time=now,
        close_time=now,
        close_reason=reason,
        waiting_since=None,
        wrap_up_codes=wrap_up.codes,
        wrap_up_note=wrap_up.note,
    )
    events = [
        _event(
            ConversationEventType.CONVERSATION_CLOSED,
            after,
            after.list_id,
            agent_id,
            close_reason=reason,
            released=[p.agent_id for p in conversation.participants],
        ),
        _event(ListEventType.REMOVED, after, conversation.list_id),
    ]
    if reason != CloseReason.CUSTOMER:
        events.append(
            _event(OutboundEventType.CONVERSATION_CLOSED, after, after.list_id, agent_id, close_reason=reason)
        )
    return Outcome(after, tuple(events))


def close_by_agent(
    conversation: Conversation,
    agent_id: str,
    reason: CloseReason,
    now: int,
    access: Access,
    wrap_up: WrapUp = NO_WRAP_UP,
    wrap_up_rules: WrapUpRules | None = None,
) -> Outcome:
    """An agent entitled to the list closes a request it is in (joined from the list or through an invitation,
    subscribed or not) or, subscribed, one it is not in (closing an INACTIVE request nobody is in is how a
    list is tidied up), with a wrap-up its list allows."""
    if is_participant(conversation, agent_id):
        check_entitled(access.entitled, conversation.list_id)
    else:
        _check_may_act(conversation, access)
    _check_open(conversation)
    _check_wrap_up(conversation, wrap_up, wrap_up_rules or WrapUpRules())
    return close(conversation, reason, now, agent_id, wrap_up)


def check_wrap_up_fields(violations: Violations, codes: Sequence[str], note: str, field_path: str) -> WrapUp:
    """The wrap-up of a close request: well-formed codes, each once, not too many; a note of a message's size."""
    violations.check(
        len(codes) <= MAX_WRAP_UP_CODES, f"{field_path}.codes", f"must hold at most {MAX_WRAP_UP_CODES} codes"
    )
    ids: list[str] = []
    for index, name in enumerate(codes):
        code_id = check_name(violations, name, WRAP_UP_CODES, f"{field_path}.codes[{index}]")
        if code_id is not None and code_id in ids:
            violations.add(f"{field_path}.codes[{index}]", "is listed twice")
        ids.append(code_id or "")
    violations.check(
        len(note) <= TEXT_MAX_LENGTH, f"{field_path}.note", f"must be at most {TEXT_MAX_LENGTH} characters"
    )
    return WrapUp(tuple(ids), note)


def _check_wrap_up(conversation: Conversation, wrap_up: WrapUp, wrap_up_rules: WrapUpRules) -> None:
    list_name = format_name(LISTS, conversation.list_id)
    for index, code_id in enumerate(wrap_up.codes):
        field_path, name = f"wrap_up.codes[{index}]", format_name(WRAP_UP_CODES, code_id)
        if code_id not in wrap_up_rules.code_lists:
            raise DomainError(
                Reason.RESOURCE_NOT_FOUND, f"{field_path}: {name} does not exist", resource=name, field=field_path
            )
        code_lists = wrap_up_rules.code_lists[code_id]
        if code_lists and list_name not in code_lists:
            raise InvalidInput.of(field_path, f"{name} is not a wrap-up code of {list_name}")
    if wrap_up_rules.required and not wrap_up.codes:
        raise DomainError(
            Reason.WRAP_UP_REQUIRED,
            f"{list_name} requires a wrap-up code to close its conversations (CloseConversationRequest.wrap_up)",
            list=list_name,
        )


def add_agent_message(
    conversation: Conversation,
    agent_id: str,
    *,
    message_id: str,
    text: str,
    client_message_id: str | None,
    now: int,
    entitled: bool,
    visibility: MessageVisibility = MessageVisibility.PUBLIC,
    expected_last_message_id: str | None = None,
    newest_message_id: str | None = None,
) -> Outcome:
    """A participant writes to the customer (or, INTERNAL, to the other agents): the conversation's watchers
    are told, the connector only of a PUBLIC message, and the list's row is refreshed. With the newest message
    the agent saw, a send made on a stale view (someone wrote since) is refused, naming the newest message."""
    check_may_see(conversation, agent_id, entitled)
    _check_open(conversation)
    check_participant(conversation, agent_id)
    _check_fresh_view(conversation, expected_last_message_id, newest_message_id)
    now = _tick(conversation, now)
    message = Message(
        message_id, conversation.id, SenderType.AGENT, text, now, agent_id, client_message_id, visibility
    )
    after = _with_message(conversation, message)
    events = [_event(ConversationEventType.AGENT_MESSAGE, after, after.list_id, agent_id, message=message)]
    if visibility is MessageVisibility.PUBLIC:
        events.append(_event(OutboundEventType.AGENT_MESSAGE, after, after.list_id, agent_id, message=message))
    events.append(_event(ListEventType.UPDATED, after, after.list_id))
    return Outcome(after, tuple(events), message)


def check_note(violations: Violations, note: str, field_path: str) -> None:
    """A note is optional; when given it is a message's text."""
    if note:
        check_text(violations, note, field_path)


@dataclass(frozen=True)
class Author:
    """Who writes a note or moves a request: an agent, or a supervisor (whose id is not an agent's: events
    name no agent for it)."""

    sender_type: SenderType
    id: str

    @property
    def agent_id(self) -> str | None:
        return self.id if self.sender_type is SenderType.AGENT else None

    def note(self, conversation_id: str, text: str, message_id: str, now: int) -> Message:
        supervisor_id = self.id if self.sender_type is SenderType.SUPERVISOR else None
        return Message(
            message_id,
            conversation_id,
            self.sender_type,
            text,
            now,
            self.agent_id,
            None,
            MessageVisibility.INTERNAL,
            supervisor_id,
        )


def _internal_note(
    conversation: Conversation, author: Author, note: str, message_id: str, now: int
) -> tuple[Conversation, Message | None, list[Event]]:
    """The author's note for whoever takes the conversation next, as an INTERNAL message; nothing when empty."""
    if not note:
        return conversation, None, []
    message = author.note(conversation.id, note, message_id, now)
    after = _with_message(conversation, message)
    event = _event(ConversationEventType.AGENT_MESSAGE, after, after.list_id, author.agent_id, message=message)
    return after, message, [event]


def transfer(
    conversation: Conversation,
    agent_id: str,
    *,
    target_list_id: str,
    target_accepts: bool,
    note: str,
    message_id: str,
    now: int,
    entitled: bool,
) -> Outcome:
    """A participant hands the request on to another list: the note (if any) is written, every participant is
    released, the request leaves its list and lands UNREAD on the target, alerted TRANSFERRED. A target that
    does not accept transfers from the request's list and one that does not exist are refused alike, so that
    an agent learns nothing of lists it may not name."""
    check_may_see(conversation, agent_id, entitled)
    _check_open(conversation)
    check_participant(conversation, agent_id)
    return move_to_list(
        conversation,
        Author(SenderType.AGENT, agent_id),
        target_list_id=target_list_id,
        target_accepts=target_accepts,
        note=note,
        message_id=message_id,
        now=now,
    )


def move_to_list(
    conversation: Conversation,
    author: Author,
    *,
    target_list_id: str,
    target_accepts: bool,
    note: str,
    message_id: str,
    now: int,
) -> Outcome:
    """A transfer, once the author may make it: the note (if any) is written, every participant is released,
    the request leaves its list and lands UNREAD on the target, alerted TRANSFERRED."""
    _check_open(conversation)
    if target_list_id == conversation.list_id:
        raise InvalidInput.of("list", "is the conversation's own list; name another list")
    target = format_name(LISTS, target_list_id)
    if not target_accepts:
        source = format_name(LISTS, conversation.list_id)
        raise DomainError(
            Reason.TRANSFER_NOT_ACCEPTED,
            f"{target} does not exist or does not accept transfers from {source}",
            list=target,
        )
    now = _tick(conversation, now)
    noted, message, events = _internal_note(conversation, author, note, message_id, now)
    after = replace(
        noted,
        list_id=target_list_id,
        state=ConversationState.UNREAD,
        participants=(),
        supervisors=(),
        update_time=now,
        transfer_count=conversation.transfer_count + 1,
    )
    # The supervisors first: an agent's stream ends at its own AGENT_LEFT.
    for supervisor in conversation.supervisors:
        events += _supervisor_left(after, supervisor.supervisor_id, LeaveCause.TRANSFERRED)
    events += [
        _event(
            ConversationEventType.AGENT_LEFT, after, after.list_id, p.agent_id, leave_cause=LeaveCause.TRANSFERRED
        )
        for p in conversation.participants
    ]
    events += _state_changed(conversation, after, author.agent_id)
    events += [
        _event(ListEventType.REMOVED, after, conversation.list_id),
        _event(ListEventType.ADDED, after, target_list_id, alert=ListAlert.TRANSFERRED),
    ]
    return Outcome(after, tuple(events), message)


def return_to_list(
    conversation: Conversation, agent_id: str, *, note: str, message_id: str, now: int, entitled: bool
) -> Outcome:
    """A participant gives the request back: the note (if any) is written, the agent leaves, and the list is
    alerted RELEASED so that somebody else takes it; INACTIVE when nobody is left."""
    check_may_see(conversation, agent_id, entitled)
    _check_open(conversation)
    check_participant(conversation, agent_id)
    now = _tick(conversation, now)
    noted, message, events = _internal_note(conversation, Author(SenderType.AGENT, agent_id), note, message_id, now)
    remaining = tuple(p for p in conversation.participants if p.agent_id != agent_id)
    state = ConversationState.ACTIVE if remaining else ConversationState.INACTIVE
    after = replace(noted, state=state, participants=remaining, update_time=now)
    events += [
        _event(ConversationEventType.AGENT_LEFT, after, after.list_id, agent_id, leave_cause=LeaveCause.LEFT),
        *_state_changed(conversation, after, agent_id),
        _event(ListEventType.UPDATED, after, after.list_id, alert=ListAlert.RELEASED),
    ]
    return Outcome(after, tuple(events), message)


# Supervisors: they act on the requests of their lists without being in them (domain/supervision.py says which).


def set_priority(conversation: Conversation, priority: int, now: int) -> Outcome:
    """A supervisor reorders an open request; its list's watchers get the row. The same priority changes nothing."""
    _check_open(conversation)
    if conversation.priority == priority:
        return Outcome(conversation)
    after = replace(conversation, priority=priority, update_time=_tick(conversation, now))
    return Outcome(after, (_event(ListEventType.UPDATED, after, after.list_id),))


def remove_participant(conversation: Conversation, agent_id: str, now: int) -> Outcome:
    """A supervisor takes an agent out of an open request: a release (REMOVED); an agent that already left is
    not in it, and nothing changes."""
    _check_open(conversation)
    return release(conversation, agent_id, now, LeaveCause.REMOVED)


def whisper(conversation: Conversation, supervisor_id: str, text: str, message_id: str, now: int) -> Outcome:
    """A supervisor's internal note: for the agents, never the customer; the list's row counts it."""
    _check_open(conversation)
    after, message, events = _internal_note(
        conversation, Author(SenderType.SUPERVISOR, supervisor_id), text, message_id, _tick(conversation, now)
    )
    events.append(_event(ListEventType.UPDATED, after, after.list_id))
    return Outcome(after, tuple(events), message)


def barge_in(conversation: Conversation, supervisor_id: str, now: int) -> Outcome:
    """A supervisor joins an open request as a participant: its agents and its list see it, the connector is
    told (what the customer sees of it is the connector's choice). No cap counts it, and the state stays the
    agents'. Barging in again changes nothing."""
    _check_open(conversation)
    if is_supervising(conversation, supervisor_id):
        return Outcome(conversation)
    now = _tick(conversation, now)
    after = replace(
        conversation,
        supervisors=(*conversation.supervisors, SupervisorParticipant(supervisor_id, now)),
        update_time=now,
    )
    events = (
        _event(ConversationEventType.SUPERVISOR_JOINED, after, after.list_id, supervisor_id=supervisor_id),
        _event(ListEventType.UPDATED, after, after.list_id),
        _event(OutboundEventType.SUPERVISOR_JOINED, after, after.list_id, supervisor_id=supervisor_id),
    )
    return Outcome(after, events)


def add_supervisor_message(
    conversation: Conversation,
    supervisor_id: str,
    *,
    message_id: str,
    text: str,
    request_id: str | None,
    now: int,
    expected_last_message_id: str | None = None,
    newest_message_id: str | None = None,
) -> Outcome:
    """A supervisor who barged in writes to the customer: a PUBLIC message as an agent's reply is, marked as
    the supervisor's, for the conversation's watchers and the connector; it answers the customer."""
    _check_open(conversation)
    _check_supervising(conversation, supervisor_id)
    _check_fresh_view(conversation, expected_last_message_id, newest_message_id)
    now = _tick(conversation, now)
    message = Message(
        message_id,
        conversation.id,
        SenderType.SUPERVISOR,
        text,
        now,
        None,
        request_id,
        MessageVisibility.PUBLIC,
        supervisor_id,
    )
    after = _with_message(conversation, message)
    events = (
        _event(ConversationEventType.AGENT_MESSAGE, after, after.list_id, message=message),
        _event(OutboundEventType.AGENT_MESSAGE, after, after.list_id, message=message),
        _event(ListEventType.UPDATED, after, after.list_id),
    )
    return Outcome(after, events, message)


def supervisor_leave(conversation: Conversation, supervisor_id: str, now: int, cause: LeaveCause) -> Outcome:
    """A supervisor who barged in is no longer a participant: it left (LEFT), was disabled or deleted
    (DISABLED), or lost the conversation's list (OUT_OF_SCOPE). One that is not in it (it never joined, left
    already, or the close let it go) changes nothing."""
    if not is_supervising(conversation, supervisor_id):
        return Outcome(conversation)
    after = replace(
        conversation,
        supervisors=tuple(s for s in conversation.supervisors if s.supervisor_id != supervisor_id),
        update_time=_tick(conversation, now),
    )
    events = (*_supervisor_left(after, supervisor_id, cause), _event(ListEventType.UPDATED, after, after.list_id))
    return Outcome(after, events)


def _supervisor_left(after: Conversation, supervisor_id: str, cause: LeaveCause) -> list[Event]:
    """The agents' streams, monitors and the connector are told that the supervisor is gone."""
    return [
        _event(
            ConversationEventType.SUPERVISOR_LEFT, after, after.list_id, supervisor_id=supervisor_id, leave_cause=cause
        ),
        _event(OutboundEventType.SUPERVISOR_LEFT, after, after.list_id, supervisor_id=supervisor_id),
    ]


def subscription_event(event_type: SubscriptionEventType, agent_id: str, list_id: str) -> Event:
    """SUBSCRIBED or UNSUBSCRIBED, for the agent's own WatchLists streams. It carries no snapshot: a stream
    reads the list's open requests when it sends SUBSCRIBED (api/watch.py), so the event's size does not
    grow with the list."""
    return Event(event_type, list_id=list_id, agent_id=agent_id)
