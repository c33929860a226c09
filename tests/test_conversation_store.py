"""The conversation row stores every field of the domain's conversation, whichever transition changed it."""

from dataclasses import fields

from pullrouting.domain import conversation as rules
from pullrouting.domain.events import Event, ListEventType
from pullrouting.domain.model import CloseReason, Conversation, ConversationState, SenderType, SupervisorParticipant
from pullrouting.store import conversations as conversation_store
from pullrouting.store.database import Database


def test_a_change_to_any_field_of_a_conversation_is_stored(database: Database) -> None:
    opened = rules.open_request(
        conversation_id="r1",
        list_id="l1",
        channel_id="c1",
        customer_id="cust-1",
        customer_display_name="Ann",
        message_id="m1",
        text="Hello",
        source_message_id="fb-1",
        now=1_000,
    )
    # Another value in every column, as a transfer to another list and channel would change some of them.
    changed = Conversation(
        id="r1",
        list_id="l2",
        channel_id="c2",
        customer_id="cust-2",
        customer_display_name="Ann B.",
        state=ConversationState.CLOSED,
        create_time=2_000,
        update_time=3_000,
        close_time=3_000,
        first_join_time=2_500,
        message_count=7,
        last_message_time=2_900,
        close_reason=CloseReason.FORCED,
        priority=3,
        waiting_since=2_800,
        last_message_sender=SenderType.AGENT,
        last_message_agent_id="ann",
        last_message_preview="Bye",
        transfer_count=2,
        wrap_up_codes=("resolved",),
        wrap_up_note="Done",
        supervisors=(SupervisorParticipant("sam", 2_700),),
    )
    assert all(
        getattr(changed, f.name) != getattr(opened.conversation, f.name)
        for f in fields(Conversation)
        if f.name not in ("id", "participants")
    )
    moved = rules.Outcome(changed, (Event(ListEventType.ADDED, "l2", "r1", "c2"),))

    def write_both(connection) -> None:
        conversation_store.write(connection, None, opened, rules.customer_message_scope("c1"))
        conversation_store.write(connection, opened.conversation, moved)

    database.run_sync(write_both)
    assert database.run_sync(lambda connection: conversation_store.get(connection, "r1")) == changed
