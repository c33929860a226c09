"""What the desktop shows, as plain text: table rows and chat lines made from the API's messages."""

from pullrouting.v1 import agent_service_pb2, conversation_pb2, events_pb2

C = events_pb2.ConversationEventType


def state_label(state: int) -> str:
    return conversation_pb2.ConversationState.Name(state).removeprefix("CONVERSATION_STATE_")


def close_reason_label(reason: int) -> str:
    return conversation_pb2.CloseReason.Name(reason).removeprefix("CLOSE_REASON_")


def short(name: str) -> str:
    """`agents/agent-1` -> `agent-1`."""
    return name.rpartition("/")[2]


def list_row(summary: agent_service_pb2.ListSummary) -> tuple[str, ...]:
    return (
        summary.list.display_name or short(summary.list.name),
        "yes" if summary.subscribed else "no",
        str(summary.unread_count),
        str(summary.active_count),
        str(summary.inactive_count),
    )


def request_row(conversation: conversation_pb2.Conversation) -> tuple[str, ...]:
    customer = conversation.customer.display_name or conversation.customer.id
    return (
        customer,
        short(conversation.list),
        state_label(conversation.state),
        ", ".join(short(p.agent) for p in conversation.participants) or "-",
        str(conversation.message_count),
    )


def chat_line(event: events_pb2.ConversationEvent) -> str | None:
    """One line of the conversation pane for an event; None for the ones it does not show."""
    kind = event.type
    if kind == C.CONVERSATION_EVENT_TYPE_CUSTOMER_MESSAGE:
        customer = event.conversation.customer
        return f"{customer.display_name or customer.id}: {event.message.text}"
    if kind == C.CONVERSATION_EVENT_TYPE_AGENT_MESSAGE:
        return f"{short(event.agent)}: {event.message.text}"
    if kind == C.CONVERSATION_EVENT_TYPE_AGENT_JOINED:
        return f"-- {short(event.agent)} joined"
    if kind == C.CONVERSATION_EVENT_TYPE_AGENT_LEFT:
        return f"-- {short(event.agent)} left"
    if kind == C.CONVERSATION_EVENT_TYPE_STATE_CHANGED:
        return f"-- {state_label(event.previous_state)} -> {state_label(event.conversation.state)}"
    if kind == C.CONVERSATION_EVENT_TYPE_CONVERSATION_CLOSED:
        by = f" by {short(event.agent)}" if event.agent else ""
        return f"-- closed{by} ({close_reason_label(event.close_reason)})"
    if kind == C.CONVERSATION_EVENT_TYPE_SYNCED:
        return "-- live"
    return None
