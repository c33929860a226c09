"""What the desk shows, as text: table rows and chat lines made from the API's messages, with the waiting time,
timestamps, List display names, state colours and unread markers."""

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp
from rich.text import Text

from pullrouting.v1 import agent_service_pb2, conversation_pb2, events_pb2
from pullrouting_client.enums import CloseReason, ConversationEventType, ConversationState, ListAlert, SenderType

C = ConversationEventType
# How a state looks in the tables: a request nobody answers stands out, one being worked is calm.
STATE_STYLES = {
    ConversationState.UNREAD: "bold yellow",
    ConversationState.ACTIVE: "green",
    ConversationState.INACTIVE: "cyan",
    ConversationState.CLOSED: "dim",
}


def state_label(state: int) -> str:
    return ConversationState(state).name


def close_reason_label(reason: int) -> str:
    return CloseReason(reason).name


def alert_label(alert: int) -> str:
    return ListAlert(alert).name.replace("_", " ").lower()


def short(name: str) -> str:
    """`agents/agent-1` -> `agent-1`."""
    return name.rpartition("/")[2]


def customer_label(conversation: conversation_pb2.Conversation) -> str:
    return conversation.customer.display_name or conversation.customer.id or short(conversation.name)


def state_cell(state: int) -> Text:
    return Text(state_label(state), style=STATE_STYLES.get(ConversationState(state), ""))


def age(since: Timestamp, now: datetime) -> str:
    """How long ago, compactly: `42s`, `3m05s`, `2h07m`; empty when `since` is unset."""
    if not since.seconds and not since.nanos:
        return ""
    seconds = max(0, int((now - since.ToDatetime(tzinfo=UTC)).total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def clock(at: Timestamp) -> str:
    """The local time of day of a timestamp, `14:05:09`."""
    return at.ToDatetime(tzinfo=UTC).astimezone().strftime("%H:%M:%S")


def waiting(conversation: conversation_pb2.Conversation, now: datetime) -> str:
    """How long the customer has waited for an answer (empty when answered)."""
    return age(conversation.waiting_since, now)


def preview(conversation: conversation_pb2.Conversation, width: int = 40) -> str:
    text = conversation.last_message.text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def list_row(summary: agent_service_pb2.ListSummary) -> tuple[str, ...]:
    return (
        summary.list.display_name or short(summary.list.name),
        "yes" if summary.subscribed else "no",
        str(summary.unread_count),
        str(summary.active_count),
        str(summary.inactive_count),
    )


def queue_order(conversation: conversation_pb2.Conversation) -> tuple[int, int, str]:
    """Highest priority first, then the longest waiting (or, once answered, the oldest)."""
    since = conversation.waiting_since if conversation.HasField("waiting_since") else conversation.create_time
    return (-conversation.priority, since.ToNanoseconds(), conversation.name)


def request_row(
    conversation: conversation_pb2.Conversation, list_names: dict[str, str], now: datetime
) -> tuple[str | Text, ...]:
    return (
        waiting(conversation, now),
        str(conversation.priority) if conversation.priority else "",
        customer_label(conversation),
        list_names.get(conversation.list) or short(conversation.list),
        state_cell(conversation.state),
        ", ".join(participant_label(p) for p in conversation.participants) or "-",
        preview(conversation),
    )


def unread_marker(unread: int) -> Text:
    return Text(f"● {unread}", style="bold magenta") if unread else Text("")


def my_row(
    conversation: conversation_pb2.Conversation, unread: int, list_names: dict[str, str], now: datetime
) -> tuple[str | Text, ...]:
    return (
        unread_marker(unread),
        customer_label(conversation),
        list_names.get(conversation.list) or short(conversation.list),
        state_cell(conversation.state),
        waiting(conversation, now),
    )


def participant_label(participant: conversation_pb2.Participant) -> str:
    """An agent's id, or a supervisor's marked as such."""
    return short(participant.agent) if participant.agent else f"{short(participant.supervisor)} (supervisor)"


def message_line(message: conversation_pb2.Message, customer: str) -> str:
    if message.sender_type == SenderType.CUSTOMER:
        who = customer
    elif message.supervisor:
        who = f"{short(message.supervisor)} (supervisor)"
    else:
        who = short(message.agent)
    return f"[{clock(message.create_time)}] {who}: {message.text}"


def chat_line(event: events_pb2.ConversationEvent) -> str | None:
    """One line of the conversation pane for an event; None for the ones it does not show."""
    kind = event.type
    customer = customer_label(event.conversation)
    if kind in (C.CUSTOMER_MESSAGE, C.AGENT_MESSAGE):
        return message_line(event.message, customer)
    at = f"[{clock(event.event_time)}] " if event.HasField("event_time") else ""
    if kind == C.AGENT_JOINED:
        return f"{at}-- {short(event.agent)} joined"
    if kind == C.AGENT_LEFT:
        return f"{at}-- {short(event.agent)} left"
    if kind == C.SUPERVISOR_JOINED:
        return f"{at}-- {short(event.supervisor)} (supervisor) joined"
    if kind == C.SUPERVISOR_LEFT:
        return f"{at}-- {short(event.supervisor)} (supervisor) left"
    if kind == C.STATE_CHANGED:
        return f"{at}-- {state_label(event.previous_state)} -> {state_label(event.conversation.state)}"
    if kind == C.CONVERSATION_CLOSED:
        by = f" by {short(event.agent)}" if event.agent else ""
        return f"{at}-- closed{by} ({close_reason_label(event.close_reason)})"
    return None
