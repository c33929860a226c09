"""The request lifecycle's rules alone, without a server: (state, participants, access, limits, action) ->
the new state and the events written, or the refusal. The README's transitions, executable."""

from dataclasses import dataclass

import pytest

from pullrouting.domain import conversation as rules
from pullrouting.domain.errors import DomainError, Reason
from pullrouting.domain.events import (
    KIND_OF_TYPE,
    ConversationEventType,
    EventType,
    ListAlert,
    ListEventType,
    OutboundEventType,
)
from pullrouting.domain.model import CloseReason, Conversation, ConversationState, Participant

UNREAD, ACTIVE, INACTIVE, CLOSED = (
    ConversationState.UNREAD,
    ConversationState.ACTIVE,
    ConversationState.INACTIVE,
    ConversationState.CLOSED,
)
JOINED, LEFT, STATE_CHANGED, CUSTOMER_MESSAGE, AGENT_MESSAGE, CLOSED_EVENT = (
    ConversationEventType.AGENT_JOINED,
    ConversationEventType.AGENT_LEFT,
    ConversationEventType.STATE_CHANGED,
    ConversationEventType.CUSTOMER_MESSAGE,
    ConversationEventType.AGENT_MESSAGE,
    ConversationEventType.CONVERSATION_CLOSED,
)
ADDED, UPDATED, REMOVED = ListEventType.ADDED, ListEventType.UPDATED, ListEventType.REMOVED
OUTBOUND_MESSAGE, OUTBOUND_CLOSED = OutboundEventType.AGENT_MESSAGE, OutboundEventType.CONVERSATION_CLOSED
INACTIVITY, FORCED, CUSTOMER = CloseReason.INACTIVITY, CloseReason.FORCED, CloseReason.CUSTOMER

MAY_ACT = rules.Access(entitled=True, subscribed=True)
UNSUBSCRIBED = rules.Access(entitled=True, subscribed=False)
NOT_ENTITLED = rules.Access(entitled=False, subscribed=False)
NO_CAPS = rules.JoinLimits(max_participants=0, max_conversations_per_agent=0, agent_open_conversations=0)
ONE_PER_LIST = rules.JoinLimits(max_participants=1, max_conversations_per_agent=0, agent_open_conversations=0)
AGENT_FULL = rules.JoinLimits(max_participants=0, max_conversations_per_agent=2, agent_open_conversations=2)
AGENT_HAS_ROOM = rules.JoinLimits(max_participants=2, max_conversations_per_agent=2, agent_open_conversations=1)
NOW = 2_000


@dataclass(frozen=True)
class Action:
    """What happens to the request: `verb` by `agent` (when an agent acts), with `reason` for closes."""

    verb: str
    agent: str | None = None
    reason: CloseReason | None = None

    def __str__(self) -> str:
        return " ".join(str(part) for part in (self.agent, self.verb, self.reason) if part is not None)

    def apply(self, conversation: Conversation, access: rules.Access, limits: rules.JoinLimits) -> rules.Outcome:
        agent = self.agent or ""
        match self.verb:
            case "joins":
                return rules.join(conversation, agent, NOW, access, limits)
            case "leaves":
                return rules.leave(conversation, agent, NOW, access.entitled)
            case "closes":
                return rules.close_by_agent(conversation, agent, rules.agent_close_reason(self.reason), NOW, access)
            case "writes":
                return rules.add_agent_message(
                    conversation,
                    agent,
                    message_id="m2",
                    text="Hello",
                    client_message_id=None,
                    now=NOW,
                    entitled=access.entitled,
                )
            case "customer writes" | "customer writes, list alerts follow-ups":
                return rules.add_customer_message(
                    conversation,
                    message_id="m2",
                    text="Hi",
                    source_message_id="fb-2",
                    now=NOW,
                    follow_up_alerts=self.verb.endswith("follow-ups"),
                )
            case "ended":
                assert self.reason is not None
                return rules.close(conversation, self.reason, NOW)
        raise AssertionError(f"no action {self.verb!r}")


def joins(agent: str) -> Action:
    return Action("joins", agent)


def leaves(agent: str) -> Action:
    return Action("leaves", agent)


def closes(agent: str, reason: CloseReason | None = None) -> Action:
    return Action("closes", agent, reason)


def writes(agent: str) -> Action:
    return Action("writes", agent)


CUSTOMER_WRITES = Action("customer writes")
CUSTOMER_WRITES_FOLLOW_UP_LIST = Action("customer writes, list alerts follow-ups")
CUSTOMER_ENDS = Action("ended", reason=CUSTOMER)
SUPERVISOR_FORCES = Action("ended", reason=FORCED)


def request(state: ConversationState, participants: tuple[str, ...]) -> Conversation:
    """A request on list l1 in `state` with these agents in it, last changed at time 1000."""
    return Conversation(
        id="r1",
        list_id="l1",
        channel_id="c1",
        customer_id="cust-1",
        customer_display_name="Ann",
        state=state,
        create_time=500,
        update_time=1_000,
        participants=tuple(Participant(agent, 600) for agent in participants),
        first_join_time=None if state is UNREAD else 600,
        message_count=1,
        last_message_time=500,
    )


# state, participants, access, limits, action -> new state, participants, event types in order.
TRANSITIONS = [
    (UNREAD, (), MAY_ACT, NO_CAPS, joins("ann"), ACTIVE, ("ann",), (JOINED, STATE_CHANGED, UPDATED)),
    (ACTIVE, ("ann",), MAY_ACT, NO_CAPS, joins("bob"), ACTIVE, ("ann", "bob"), (JOINED, UPDATED)),
    (ACTIVE, ("ann",), MAY_ACT, AGENT_HAS_ROOM, joins("bob"), ACTIVE, ("ann", "bob"), (JOINED, UPDATED)),
    (INACTIVE, (), MAY_ACT, NO_CAPS, joins("ann"), ACTIVE, ("ann",), (JOINED, STATE_CHANGED, UPDATED)),
    (ACTIVE, ("ann",), MAY_ACT, ONE_PER_LIST, joins("ann"), ACTIVE, ("ann",), ()),
    (ACTIVE, ("ann", "bob"), MAY_ACT, NO_CAPS, leaves("ann"), ACTIVE, ("bob",), (LEFT, UPDATED)),
    (ACTIVE, ("ann",), MAY_ACT, NO_CAPS, leaves("ann"), INACTIVE, (), (LEFT, STATE_CHANGED, UPDATED)),
    (ACTIVE, ("ann",), NOT_ENTITLED, NO_CAPS, leaves("ann"), INACTIVE, (), (LEFT, STATE_CHANGED, UPDATED)),
    (ACTIVE, ("ann",), MAY_ACT, NO_CAPS, leaves("bob"), ACTIVE, ("ann",), ()),
    (UNREAD, (), MAY_ACT, NO_CAPS, leaves("ann"), UNREAD, (), ()),
    (UNREAD, (), MAY_ACT, NO_CAPS, closes("ann"), CLOSED, (), (CLOSED_EVENT, REMOVED, OUTBOUND_CLOSED)),
    (ACTIVE, ("ann", "bob"), MAY_ACT, NO_CAPS, closes("ann"), CLOSED, (), (CLOSED_EVENT, REMOVED, OUTBOUND_CLOSED)),
    (INACTIVE, (), MAY_ACT, NO_CAPS, closes("bob"), CLOSED, (), (CLOSED_EVENT, REMOVED, OUTBOUND_CLOSED)),
    (ACTIVE, ("ann",), UNSUBSCRIBED, NO_CAPS, closes("ann"), CLOSED, (), (CLOSED_EVENT, REMOVED, OUTBOUND_CLOSED)),
    (
        ACTIVE,
        ("ann",),
        MAY_ACT,
        NO_CAPS,
        closes("ann", INACTIVITY),
        CLOSED,
        (),
        (CLOSED_EVENT, REMOVED, OUTBOUND_CLOSED),
    ),
    (ACTIVE, ("ann",), NOT_ENTITLED, NO_CAPS, SUPERVISOR_FORCES, CLOSED, (), (CLOSED_EVENT, REMOVED, OUTBOUND_CLOSED)),
    (ACTIVE, ("ann",), NOT_ENTITLED, NO_CAPS, CUSTOMER_ENDS, CLOSED, (), (CLOSED_EVENT, REMOVED)),
    (UNREAD, (), NOT_ENTITLED, NO_CAPS, CUSTOMER_WRITES, UNREAD, (), (CUSTOMER_MESSAGE, UPDATED)),
    (ACTIVE, ("ann",), NOT_ENTITLED, NO_CAPS, CUSTOMER_WRITES, ACTIVE, ("ann",), (CUSTOMER_MESSAGE, UPDATED)),
    (INACTIVE, (), NOT_ENTITLED, NO_CAPS, CUSTOMER_WRITES, INACTIVE, (), (CUSTOMER_MESSAGE, UPDATED)),
    (INACTIVE, (), NOT_ENTITLED, NO_CAPS, CUSTOMER_WRITES_FOLLOW_UP_LIST, INACTIVE, (), (CUSTOMER_MESSAGE, UPDATED)),
    (ACTIVE, ("ann",), MAY_ACT, NO_CAPS, writes("ann"), ACTIVE, ("ann",), (AGENT_MESSAGE, OUTBOUND_MESSAGE, UPDATED)),
    (
        ACTIVE,
        ("ann",),
        NOT_ENTITLED,
        NO_CAPS,
        writes("ann"),
        ACTIVE,
        ("ann",),
        (AGENT_MESSAGE, OUTBOUND_MESSAGE, UPDATED),
    ),
]

# state, participants, action -> the alert of the list event it writes (None: a silent refresh).
ALERTS = [
    (UNREAD, (), joins("ann"), None),
    (ACTIVE, ("ann",), leaves("ann"), None),
    (ACTIVE, ("ann",), writes("ann"), None),
    (UNREAD, (), CUSTOMER_WRITES_FOLLOW_UP_LIST, None),
    (ACTIVE, ("ann",), CUSTOMER_WRITES_FOLLOW_UP_LIST, None),
    (INACTIVE, (), CUSTOMER_WRITES, None),
    (INACTIVE, (), CUSTOMER_WRITES_FOLLOW_UP_LIST, ListAlert.FOLLOW_UP),
]

# state, participants, access, limits, action -> the reason it is refused with.
REFUSALS = [
    (UNREAD, (), NOT_ENTITLED, NO_CAPS, joins("ann"), Reason.NOT_ENTITLED),
    (UNREAD, (), UNSUBSCRIBED, NO_CAPS, joins("ann"), Reason.NOT_SUBSCRIBED),
    (CLOSED, (), MAY_ACT, NO_CAPS, joins("ann"), Reason.CONVERSATION_CLOSED),
    (ACTIVE, ("ann",), MAY_ACT, ONE_PER_LIST, joins("bob"), Reason.LIST_FULL),
    (UNREAD, (), MAY_ACT, AGENT_FULL, joins("ann"), Reason.AGENT_AT_CAPACITY),
    (ACTIVE, ("bob",), NOT_ENTITLED, NO_CAPS, leaves("ann"), Reason.NOT_ENTITLED),
    (ACTIVE, ("ann",), NOT_ENTITLED, NO_CAPS, closes("ann"), Reason.NOT_ENTITLED),
    (ACTIVE, ("bob",), UNSUBSCRIBED, NO_CAPS, closes("ann"), Reason.NOT_SUBSCRIBED),
    (INACTIVE, (), UNSUBSCRIBED, NO_CAPS, closes("ann"), Reason.NOT_SUBSCRIBED),
    (CLOSED, (), MAY_ACT, NO_CAPS, closes("ann"), Reason.CONVERSATION_CLOSED),
    (ACTIVE, ("ann",), MAY_ACT, NO_CAPS, closes("ann", FORCED), Reason.CLOSE_REASON_NOT_ALLOWED),
    (ACTIVE, ("ann",), MAY_ACT, NO_CAPS, closes("ann", CUSTOMER), Reason.CLOSE_REASON_NOT_ALLOWED),
    (CLOSED, (), MAY_ACT, NO_CAPS, SUPERVISOR_FORCES, Reason.CONVERSATION_CLOSED),
    (CLOSED, (), MAY_ACT, NO_CAPS, CUSTOMER_ENDS, Reason.CONVERSATION_CLOSED),
    (CLOSED, (), MAY_ACT, NO_CAPS, CUSTOMER_WRITES, Reason.CONVERSATION_CLOSED),
    (ACTIVE, ("bob",), MAY_ACT, NO_CAPS, writes("ann"), Reason.NOT_PARTICIPANT),
    (ACTIVE, ("bob",), NOT_ENTITLED, NO_CAPS, writes("ann"), Reason.NOT_ENTITLED),
    (CLOSED, (), MAY_ACT, NO_CAPS, writes("ann"), Reason.CONVERSATION_CLOSED),
]


def _case_id(case: tuple) -> str:
    state, participants, access, limits, action = case[:5]
    caps = f" limits={limits.max_participants}/{limits.max_conversations_per_agent}" if limits != NO_CAPS else ""
    return f"{state.value}{list(participants)} {action} entitled={access.entitled} subscribed={access.subscribed}{caps}"


def _kinded(types: tuple[EventType, ...]) -> list[tuple[str, str]]:
    """Event types with their kind: conversation and outbound types share names."""
    return [(KIND_OF_TYPE[type(event_type)].value, event_type.value) for event_type in types]


@pytest.mark.parametrize("case", TRANSITIONS, ids=[_case_id(case) for case in TRANSITIONS])
def test_transition(case: tuple) -> None:
    state, participants, access, limits, action, new_state, new_participants, event_types = case
    before = request(state, participants)
    outcome = action.apply(before, access, limits)
    after = outcome.conversation
    assert after.state is new_state
    assert tuple(p.agent_id for p in after.participants) == new_participants
    assert _kinded(tuple(event.type for event in outcome.events)) == _kinded(event_types)
    if not event_types:
        assert after == before, "a change that writes no event changes nothing"
        return
    assert after.update_time == NOW
    for event in outcome.events:
        assert (event.list_id, event.conversation_id, event.channel_id) == ("l1", "r1", "c1")
        assert event.payload["conversation"]["state"] == new_state.value
    if new_state is CLOSED:
        assert (after.close_time, after.close_reason) == (NOW, action.reason or CloseReason.AGENT)
    if STATE_CHANGED in event_types:
        changed = next(e for e in outcome.events if e.type is STATE_CHANGED)
        assert changed.payload["previous_state"] == state.value


@pytest.mark.parametrize("case", ALERTS, ids=[f"{state.value}{list(who)} {action}" for state, who, action, _ in ALERTS])
def test_list_alert(case: tuple) -> None:
    state, participants, action, alert = case
    outcome = action.apply(request(state, participants), MAY_ACT, NO_CAPS)
    (list_event,) = (event for event in outcome.events if event.type is UPDATED)
    assert list_event.payload.get("alert") == (None if alert is None else alert.value)


@pytest.mark.parametrize("case", REFUSALS, ids=[_case_id(case) for case in REFUSALS])
def test_refusal(case: tuple) -> None:
    state, participants, access, limits, action, reason = case
    with pytest.raises(DomainError) as refused:
        action.apply(request(state, participants), access, limits)
    assert refused.value.reason is reason


def test_a_first_customer_message_opens_an_unread_request_on_the_list() -> None:
    outcome = rules.open_request(
        conversation_id="r1",
        list_id="l1",
        channel_id="c1",
        customer_id="cust-1",
        customer_display_name="Ann",
        message_id="m1",
        text="Hi",
        source_message_id="fb-1",
        now=NOW,
    )
    assert outcome.conversation.state is UNREAD and outcome.conversation.participants == ()
    assert _kinded(tuple(event.type for event in outcome.events)) == _kinded((ADDED, CUSTOMER_MESSAGE))
    assert {event.list_id for event in outcome.events} == {"l1"}
    assert outcome.events[0].payload["alert"] == ListAlert.NEW_REQUEST.value


def test_a_change_is_timed_after_the_last_even_when_the_clock_steps_back() -> None:
    before = request(UNREAD, ())
    outcome = rules.join(before, "ann", before.update_time - 10, MAY_ACT, NO_CAPS)
    assert outcome.conversation.update_time == before.update_time + 1
