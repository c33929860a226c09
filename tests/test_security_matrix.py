"""The security matrix: every RPC of the four services, called with no token, a malformed token, a token of
the wrong role, an agent on a list it is not entitled to (an ingestor on a channel outside its scope, a
supervisor off its lists), a malformed resource name, an oversized field and an unknown enum value. Each gets
its exact status, and the store (every row of every table) is the same afterwards (one case succeeds, changing
nothing: Unsubscribe from a foreign list). Cases that do not apply to an RPC (it has no name field, no enum)
are left out; `test_the_matrix_covers_every_rpc` checks that every RPC is in it."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
import pytest_asyncio
from google.rpc import error_details_pb2
from scenario import Scenario, add_second_list, create_scenario
from support import ADMIN_TOKEN, dump_store, error_details, serve, status_details

from pullrouting.v1 import admin_service_pb2 as admin
from pullrouting.v1 import agent_service_pb2 as agent
from pullrouting.v1 import events_pb2 as events
from pullrouting.v1 import ingest_service_pb2 as ingest
from pullrouting.v1 import resources_pb2 as res
from pullrouting.v1 import supervisor_service_pb2 as supervisor
from pullrouting.v1.conversation_pb2 import Customer

Code = grpc.StatusCode
LONG = "x" * 5000
BAD_NAME = "Not A/Name!"
UNKNOWN_ENUM = 99


@dataclass
class World:
    """What the requests name: the agent's own conversation and one on a list it is not entitled to."""

    scenario: Scenario
    agent_token: str
    scoped_ingestor_token: str
    supervisor_token: str
    own_conversation: str
    foreign_conversation: str
    foreign_list: str
    foreign_service: str
    own_message: str
    foreign_message: str


Request = Callable[[World], Any]


@dataclass
class Rpc:
    """A valid request, and for each case that applies, the request that exercises it."""

    valid: Request
    # (request, offending field) for INVALID_ARGUMENT cases.
    malformed_name: tuple[Request, str] | None = None
    oversized: tuple[Request, str] | None = None
    unknown_enum: tuple[Request, str] | None = None
    # (request, code, reason): an agent off its lists, an ingestor off its channels.
    foreign: tuple[Request, Code, str] | None = None


def _standard(collection: str, field: str, message: Callable[..., Any], resource_id: str, **create: Any) -> dict:
    """The five standard methods of one resource kind."""
    kind = "".join(part.title() for part in field.split("_"))
    plural = {"MediaRoutingDomain": "MediaRoutingDomains", "ChannelType": "ChannelTypes"}.get(kind, kind + "s")
    name = f"{collection}/{resource_id}"

    def create_request(**fields: Any) -> Request:
        return lambda w: getattr(admin, f"Create{kind}Request")(
            **{f"{field}_id": "new-one", field: message(**{"display_name": "New", **create, **fields})}
        )

    def update_request(**fields: Any) -> Request:
        return lambda w: getattr(admin, f"Update{kind}Request")(
            **{field: message(**{"name": name, **fields}), "update_mask": {"paths": list(fields) or ["display_name"]}}
        )

    def by_name(method: str, value: str) -> Request:
        return lambda w: getattr(admin, f"{method}{kind}Request")(name=value)

    list_method = "AdminServiceListLists" if kind == "List" else f"List{plural}"
    return {
        f"Create{kind}": Rpc(
            valid=create_request(),
            malformed_name=(
                lambda w: getattr(admin, f"Create{kind}Request")(
                    **{f"{field}_id": BAD_NAME, field: message(display_name="New", **create)}
                ),
                f"{field}_id",
            ),
            oversized=(create_request(display_name=LONG), f"{field}.display_name"),
        ),
        f"Get{kind}": Rpc(
            valid=by_name("Get", name),
            malformed_name=(by_name("Get", BAD_NAME), "name"),
            oversized=(by_name("Get", f"{collection}/{LONG}"), "name"),
        ),
        f"List{plural}": Rpc(
            valid=lambda w: getattr(admin, f"{list_method}Request")(),
            oversized=(lambda w: getattr(admin, f"{list_method}Request")(page_token=LONG), "page_token"),
        ),
        f"Update{kind}": Rpc(
            valid=update_request(display_name="Renamed"),
            malformed_name=(
                lambda w: getattr(admin, f"Update{kind}Request")(
                    **{field: message(name=BAD_NAME, display_name="X"), "update_mask": {"paths": ["display_name"]}}
                ),
                f"{field}.name",
            ),
            oversized=(update_request(display_name=LONG), f"{field}.display_name"),
        ),
        f"Delete{kind}": Rpc(
            valid=by_name("Delete", name),
            malformed_name=(by_name("Delete", BAD_NAME), "name"),
            oversized=(by_name("Delete", f"{collection}/{LONG}"), "name"),
        ),
    }


def _by_conversation(request_type: Any, own: bool = True, **fields: Any) -> Request:
    return lambda w: request_type(name=w.own_conversation if own else w.foreign_conversation, **fields)


ADMIN_RPCS: dict[str, Rpc] = {
    **_standard("mediaRoutingDomains", "media_routing_domain", res.MediaRoutingDomain, "social"),
    **_standard(
        "channelTypes",
        "channel_type",
        res.ChannelType,
        "facebook-page-comments",
        media_routing_domain="mediaRoutingDomains/social",
    ),
    **_standard("lists", "list", res.List, "l1"),
    **_standard(
        "channels",
        "channel",
        res.Channel,
        "c2",
        channel_type="channelTypes/facebook-page-comments",
        service_identifier="example.com/new",
        routing_mode=res.ROUTING_MODE_PULL,
        list="lists/l1",
    ),
    **_standard("agents", "agent", res.Agent, "agent-1"),
    **_standard("ingestors", "ingestor", res.Ingestor, "connector"),
    **_standard("wrapUpCodes", "wrap_up_code", res.WrapUpCode, "resolved"),
    **_standard("supervisors", "supervisor", res.Supervisor, "sam"),
    "RotateSupervisorToken": Rpc(
        valid=lambda w: admin.RotateSupervisorTokenRequest(name="supervisors/sam"),
        malformed_name=(lambda w: admin.RotateSupervisorTokenRequest(name=BAD_NAME), "name"),
        oversized=(lambda w: admin.RotateSupervisorTokenRequest(name=f"supervisors/{LONG}"), "name"),
    ),
    "ListAuditRecords": Rpc(
        valid=lambda w: admin.ListAuditRecordsRequest(filter='actor = "admin"'),
        oversized=(lambda w: admin.ListAuditRecordsRequest(filter=LONG), "filter"),
    ),
    "RotateAgentToken": Rpc(
        valid=lambda w: admin.RotateAgentTokenRequest(name="agents/agent-1"),
        malformed_name=(lambda w: admin.RotateAgentTokenRequest(name=BAD_NAME), "name"),
        oversized=(lambda w: admin.RotateAgentTokenRequest(name=f"agents/{LONG}"), "name"),
    ),
    "RotateIngestorToken": Rpc(
        valid=lambda w: admin.RotateIngestorTokenRequest(name="ingestors/connector"),
        malformed_name=(lambda w: admin.RotateIngestorTokenRequest(name=BAD_NAME), "name"),
        oversized=(lambda w: admin.RotateIngestorTokenRequest(name=f"ingestors/{LONG}"), "name"),
    ),
    "ListConversations": Rpc(
        valid=lambda w: admin.AdminServiceListConversationsRequest(parent="lists/l1"),
        malformed_name=(lambda w: admin.AdminServiceListConversationsRequest(parent=BAD_NAME), "parent"),
        oversized=(lambda w: admin.AdminServiceListConversationsRequest(page_token=LONG), "page_token"),
        unknown_enum=(lambda w: admin.AdminServiceListConversationsRequest(states=[UNKNOWN_ENUM]), "states"),
    ),
    "GetConversation": Rpc(
        valid=_by_conversation(admin.AdminServiceGetConversationRequest),
        malformed_name=(lambda w: admin.AdminServiceGetConversationRequest(name=BAD_NAME), "name"),
        oversized=(lambda w: admin.AdminServiceGetConversationRequest(name=f"conversations/{LONG}"), "name"),
    ),
    "ListConversationMessages": Rpc(
        valid=lambda w: admin.ListConversationMessagesRequest(parent=w.own_conversation),
        malformed_name=(lambda w: admin.ListConversationMessagesRequest(parent=BAD_NAME), "parent"),
        oversized=(lambda w: admin.ListConversationMessagesRequest(parent=f"conversations/{LONG}"), "parent"),
    ),
    "ForceCloseConversation": Rpc(
        valid=_by_conversation(admin.ForceCloseConversationRequest),
        malformed_name=(lambda w: admin.ForceCloseConversationRequest(name=BAD_NAME), "name"),
        oversized=(lambda w: admin.ForceCloseConversationRequest(name=f"conversations/{LONG}"), "name"),
    ),
}
ADMIN_RPCS["CreateChannel"].unknown_enum = (
    lambda w: admin.CreateChannelRequest(
        channel_id="new-one",
        channel=res.Channel(
            display_name="New",
            channel_type="channelTypes/facebook-page-comments",
            service_identifier="example.com/new",
            routing_mode=UNKNOWN_ENUM,
            list="lists/l1",
        ),
    ),
    "channel.routing_mode",
)
ADMIN_RPCS["UpdateChannel"].unknown_enum = (
    lambda w: admin.UpdateChannelRequest(
        channel=res.Channel(name="channels/c2", routing_mode=UNKNOWN_ENUM), update_mask={"paths": ["routing_mode"]}
    ),
    "channel.routing_mode",
)

NOT_ENTITLED = (Code.PERMISSION_DENIED, "NOT_ENTITLED")

AGENT_RPCS: dict[str, Rpc] = {
    "ListLists": Rpc(
        valid=lambda w: agent.ListListsRequest(),
        oversized=(lambda w: agent.ListListsRequest(page_token=LONG), "page_token"),
    ),
    "Subscribe": Rpc(
        valid=lambda w: agent.SubscribeRequest(list="lists/l1"),
        malformed_name=(lambda w: agent.SubscribeRequest(list=BAD_NAME), "list"),
        oversized=(lambda w: agent.SubscribeRequest(list=f"lists/{LONG}"), "list"),
        foreign=(lambda w: agent.SubscribeRequest(list=w.foreign_list), *NOT_ENTITLED),
    ),
    "Unsubscribe": Rpc(
        valid=lambda w: agent.UnsubscribeRequest(list="lists/l1"),
        malformed_name=(lambda w: agent.UnsubscribeRequest(list=BAD_NAME), "list"),
        oversized=(lambda w: agent.UnsubscribeRequest(list=f"lists/{LONG}"), "list"),
        # Leaving any list is allowed and idempotent: off its lists the agent has nothing to leave, and learns nothing.
        foreign=(lambda w: agent.UnsubscribeRequest(list=w.foreign_list), Code.OK, ""),
    ),
    "ListSubscriptions": Rpc(
        valid=lambda w: agent.ListSubscriptionsRequest(),
        oversized=(lambda w: agent.ListSubscriptionsRequest(page_token=LONG), "page_token"),
    ),
    "ListConversations": Rpc(
        valid=lambda w: agent.ListConversationsRequest(parent="lists/l1"),
        malformed_name=(lambda w: agent.ListConversationsRequest(parent=BAD_NAME), "parent"),
        oversized=(lambda w: agent.ListConversationsRequest(parent=f"lists/{LONG}"), "parent"),
        unknown_enum=(lambda w: agent.ListConversationsRequest(parent="lists/l1", states=[UNKNOWN_ENUM]), "states"),
        foreign=(lambda w: agent.ListConversationsRequest(parent=w.foreign_list), *NOT_ENTITLED),
    ),
    "ListMessages": Rpc(
        valid=lambda w: agent.ListMessagesRequest(parent=w.own_conversation),
        malformed_name=(lambda w: agent.ListMessagesRequest(parent=BAD_NAME), "parent"),
        oversized=(lambda w: agent.ListMessagesRequest(parent=f"conversations/{LONG}"), "parent"),
        foreign=(lambda w: agent.ListMessagesRequest(parent=w.foreign_conversation), *NOT_ENTITLED),
    ),
    "WatchLists": Rpc(
        valid=lambda w: agent.WatchListsRequest(),
        oversized=(lambda w: agent.WatchListsRequest(resume_token=LONG), "resume_token"),
    ),
    "SendMessage": Rpc(
        valid=lambda w: agent.SendMessageRequest(conversation=w.own_conversation, text="Hello"),
        malformed_name=(lambda w: agent.SendMessageRequest(conversation=BAD_NAME, text="Hello"), "conversation"),
        oversized=(lambda w: agent.SendMessageRequest(conversation=w.own_conversation, text=LONG), "text"),
        foreign=(lambda w: agent.SendMessageRequest(conversation=w.foreign_conversation, text="Hello"), *NOT_ENTITLED),
    ),
}
for method, request_type in [
    ("GetConversation", agent.GetConversationRequest),
    ("JoinConversation", agent.JoinConversationRequest),
    ("LeaveConversation", agent.LeaveConversationRequest),
    ("CloseConversation", agent.CloseConversationRequest),
    ("WatchConversation", agent.WatchConversationRequest),
]:
    AGENT_RPCS[method] = Rpc(
        valid=_by_conversation(request_type),
        malformed_name=(lambda w, request_type=request_type: request_type(name=BAD_NAME), "name"),
        oversized=(lambda w, request_type=request_type: request_type(name=f"conversations/{LONG}"), "name"),
        foreign=(_by_conversation(request_type, own=False), *NOT_ENTITLED),
    )
AGENT_RPCS["WatchDesk"] = Rpc(
    valid=lambda w: agent.WatchDeskRequest(),
    oversized=(lambda w: agent.WatchDeskRequest(resume_token=LONG), "resume_token"),
)
AGENT_RPCS["MarkRead"] = Rpc(
    valid=lambda w: agent.MarkReadRequest(conversation=w.own_conversation, message=w.own_message),
    malformed_name=(lambda w: agent.MarkReadRequest(conversation=w.own_conversation, message=BAD_NAME), "message"),
    oversized=(
        lambda w: agent.MarkReadRequest(conversation=f"conversations/{LONG}", message=w.own_message),
        "conversation",
    ),
    foreign=(
        lambda w: agent.MarkReadRequest(conversation=w.foreign_conversation, message=w.foreign_message),
        *NOT_ENTITLED,
    ),
)
AGENT_RPCS["TransferConversation"] = Rpc(
    valid=_by_conversation(agent.TransferConversationRequest, list="lists/l2"),
    malformed_name=(lambda w: agent.TransferConversationRequest(name=BAD_NAME, list="lists/l2"), "name"),
    oversized=(_by_conversation(agent.TransferConversationRequest, list="lists/l2", note=LONG), "note"),
    foreign=(_by_conversation(agent.TransferConversationRequest, own=False, list="lists/l1"), *NOT_ENTITLED),
)
AGENT_RPCS["ReturnConversation"] = Rpc(
    valid=_by_conversation(agent.ReturnConversationRequest),
    malformed_name=(lambda w: agent.ReturnConversationRequest(name=BAD_NAME), "name"),
    oversized=(_by_conversation(agent.ReturnConversationRequest, note=LONG), "note"),
    foreign=(_by_conversation(agent.ReturnConversationRequest, own=False), *NOT_ENTITLED),
)
AGENT_RPCS["InviteAgent"] = Rpc(
    valid=lambda w: agent.InviteAgentRequest(name=w.own_conversation, agent="agents/agent-1"),
    malformed_name=(lambda w: agent.InviteAgentRequest(name=w.own_conversation, agent=BAD_NAME), "agent"),
    oversized=(lambda w: agent.InviteAgentRequest(name=w.own_conversation, agent="agents/x", note=LONG), "note"),
    foreign=(lambda w: agent.InviteAgentRequest(name=w.foreign_conversation, agent="agents/x"), *NOT_ENTITLED),
)
AGENT_RPCS["SetActivity"] = Rpc(
    valid=lambda w: agent.SetActivityRequest(name=w.own_conversation, activity=events.ACTIVITY_TYPING),
    malformed_name=(lambda w: agent.SetActivityRequest(name=BAD_NAME, activity=events.ACTIVITY_TYPING), "name"),
    oversized=(
        lambda w: agent.SetActivityRequest(name=f"conversations/{LONG}", activity=events.ACTIVITY_TYPING),
        "name",
    ),
    unknown_enum=(lambda w: agent.SetActivityRequest(name=w.own_conversation, activity=UNKNOWN_ENUM), "activity"),
    # Viewing is for any agent that may read the conversation: not one off the agent's lists.
    foreign=(
        lambda w: agent.SetActivityRequest(name=w.foreign_conversation, activity=events.ACTIVITY_VIEWING),
        *NOT_ENTITLED,
    ),
)
for method, request_type in [
    ("AcceptInvitation", agent.AcceptInvitationRequest),
    ("DeclineInvitation", agent.DeclineInvitationRequest),
]:
    AGENT_RPCS[method] = Rpc(
        valid=lambda w, request_type=request_type: request_type(name=f"{w.own_conversation}/invitations/some"),
        malformed_name=(lambda w, request_type=request_type: request_type(name=BAD_NAME), "name"),
        oversized=(
            lambda w, request_type=request_type: request_type(name=f"{w.own_conversation}/invitations/{LONG}"),
            "name",
        ),
        # Another agent's invitation (or one of a conversation off the agent's lists) is not the agent's to see.
        foreign=(
            lambda w, request_type=request_type: request_type(name=f"{w.foreign_conversation}/invitations/some"),
            Code.NOT_FOUND,
            "RESOURCE_NOT_FOUND",
        ),
    )
AGENT_RPCS["SetPresence"] = Rpc(
    valid=lambda w: agent.SetPresenceRequest(presence=res.PRESENCE_AWAY),
    unknown_enum=(lambda w: agent.SetPresenceRequest(presence=UNKNOWN_ENUM), "presence"),
)
AGENT_RPCS["SendMessage"].unknown_enum = (
    lambda w: agent.SendMessageRequest(conversation=w.own_conversation, text="Hello", visibility=UNKNOWN_ENUM),
    "visibility",
)
AGENT_RPCS["CloseConversation"].unknown_enum = (
    _by_conversation(agent.CloseConversationRequest, reason=UNKNOWN_ENUM),
    "reason",
)


def _post(service: Callable[[World], str], text: str = "Hello") -> Request:
    return lambda w: ingest.PostCustomerMessageRequest(
        service_identifier=service(w), customer=Customer(id="customer-9"), text=text, source_message_id="m-9"
    )


NOT_PERMITTED = (Code.PERMISSION_DENIED, "CHANNEL_NOT_PERMITTED")

INGEST_RPCS: dict[str, Rpc] = {
    "PostCustomerMessage": Rpc(
        valid=_post(lambda w: w.scenario.service_identifier),
        oversized=(_post(lambda w: w.scenario.service_identifier, text=LONG), "text"),
        foreign=(_post(lambda w: w.foreign_service), *NOT_PERMITTED),
    ),
    "EndConversation": Rpc(
        valid=lambda w: ingest.EndConversationRequest(conversation=w.own_conversation),
        malformed_name=(lambda w: ingest.EndConversationRequest(conversation=BAD_NAME), "conversation"),
        oversized=(
            lambda w: ingest.EndConversationRequest(service_identifier=w.scenario.service_identifier, customer_id=LONG),
            "customer_id",
        ),
        foreign=(lambda w: ingest.EndConversationRequest(conversation=w.foreign_conversation), *NOT_PERMITTED),
    ),
    "PostCustomerActivity": Rpc(
        valid=lambda w: ingest.PostCustomerActivityRequest(
            conversation=w.own_conversation, activity=events.ACTIVITY_TYPING
        ),
        malformed_name=(
            lambda w: ingest.PostCustomerActivityRequest(conversation=BAD_NAME, activity=events.ACTIVITY_TYPING),
            "conversation",
        ),
        oversized=(
            lambda w: ingest.PostCustomerActivityRequest(
                conversation=f"conversations/{LONG}", activity=events.ACTIVITY_TYPING
            ),
            "conversation",
        ),
        unknown_enum=(
            lambda w: ingest.PostCustomerActivityRequest(conversation=w.own_conversation, activity=UNKNOWN_ENUM),
            "activity",
        ),
        foreign=(
            lambda w: ingest.PostCustomerActivityRequest(
                conversation=w.foreign_conversation, activity=events.ACTIVITY_TYPING
            ),
            *NOT_PERMITTED,
        ),
    ),
    # Each streamed message is refused in its acknowledgement, as PostCustomerMessage refuses it.
    "StreamCustomerMessages": Rpc(
        valid=lambda w: ingest.StreamCustomerMessagesRequest(message=_post(lambda w: w.scenario.service_identifier)(w)),
        oversized=(
            lambda w: ingest.StreamCustomerMessagesRequest(
                message=_post(lambda w: w.scenario.service_identifier, text=LONG)(w)
            ),
            "text",
        ),
        foreign=(
            lambda w: ingest.StreamCustomerMessagesRequest(message=_post(lambda w: w.foreign_service)(w)),
            *NOT_PERMITTED,
        ),
    ),
    "WatchOutbound": Rpc(
        valid=lambda w: ingest.WatchOutboundRequest(),
        oversized=(lambda w: ingest.WatchOutboundRequest(service_identifier=LONG), "service_identifier"),
        foreign=(lambda w: ingest.WatchOutboundRequest(service_identifier=w.foreign_service), *NOT_PERMITTED),
    ),
}

SUPERVISOR_RPCS: dict[str, Rpc] = {
    "ListConversations": Rpc(
        valid=lambda w: supervisor.SupervisorServiceListConversationsRequest(parent="lists/l1"),
        malformed_name=(lambda w: supervisor.SupervisorServiceListConversationsRequest(parent=BAD_NAME), "parent"),
        oversized=(lambda w: supervisor.SupervisorServiceListConversationsRequest(page_token=LONG), "page_token"),
        unknown_enum=(
            lambda w: supervisor.SupervisorServiceListConversationsRequest(states=[UNKNOWN_ENUM]),
            "states",
        ),
        foreign=(lambda w: supervisor.SupervisorServiceListConversationsRequest(parent=w.foreign_list), *NOT_ENTITLED),
    ),
    "GetConversation": Rpc(
        valid=_by_conversation(supervisor.SupervisorServiceGetConversationRequest),
        malformed_name=(lambda w: supervisor.SupervisorServiceGetConversationRequest(name=BAD_NAME), "name"),
        oversized=(
            lambda w: supervisor.SupervisorServiceGetConversationRequest(name=f"conversations/{LONG}"),
            "name",
        ),
        foreign=(_by_conversation(supervisor.SupervisorServiceGetConversationRequest, own=False), *NOT_ENTITLED),
    ),
    "ListMessages": Rpc(
        valid=lambda w: supervisor.SupervisorServiceListMessagesRequest(parent=w.own_conversation),
        malformed_name=(lambda w: supervisor.SupervisorServiceListMessagesRequest(parent=BAD_NAME), "parent"),
        oversized=(
            lambda w: supervisor.SupervisorServiceListMessagesRequest(parent=f"conversations/{LONG}"),
            "parent",
        ),
        foreign=(
            lambda w: supervisor.SupervisorServiceListMessagesRequest(parent=w.foreign_conversation),
            *NOT_ENTITLED,
        ),
    ),
    "WatchQueues": Rpc(
        valid=lambda w: supervisor.WatchQueuesRequest(),
        oversized=(lambda w: supervisor.WatchQueuesRequest(resume_token=LONG), "resume_token"),
    ),
    "WatchAgents": Rpc(
        valid=lambda w: supervisor.WatchAgentsRequest(),
        oversized=(lambda w: supervisor.WatchAgentsRequest(resume_token=LONG), "resume_token"),
    ),
    "MonitorConversation": Rpc(
        valid=lambda w: supervisor.MonitorConversationRequest(name=w.own_conversation),
        malformed_name=(lambda w: supervisor.MonitorConversationRequest(name=BAD_NAME), "name"),
        oversized=(lambda w: supervisor.MonitorConversationRequest(name=f"conversations/{LONG}"), "name"),
        foreign=(lambda w: supervisor.MonitorConversationRequest(name=w.foreign_conversation), *NOT_ENTITLED),
    ),
}

SUPERVISOR_RPCS["ForceCloseConversation"] = Rpc(
    valid=_by_conversation(supervisor.SupervisorServiceForceCloseConversationRequest),
    malformed_name=(lambda w: supervisor.SupervisorServiceForceCloseConversationRequest(name=BAD_NAME), "name"),
    oversized=(
        lambda w: supervisor.SupervisorServiceForceCloseConversationRequest(name=f"conversations/{LONG}"),
        "name",
    ),
    foreign=(_by_conversation(supervisor.SupervisorServiceForceCloseConversationRequest, own=False), *NOT_ENTITLED),
)
SUPERVISOR_RPCS["TransferConversation"] = Rpc(
    valid=_by_conversation(supervisor.SupervisorServiceTransferConversationRequest, list="lists/l2"),
    malformed_name=(
        lambda w: supervisor.SupervisorServiceTransferConversationRequest(name=w.own_conversation, list=BAD_NAME),
        "list",
    ),
    oversized=(
        _by_conversation(supervisor.SupervisorServiceTransferConversationRequest, list="lists/l2", note=LONG),
        "note",
    ),
    foreign=(
        _by_conversation(supervisor.SupervisorServiceTransferConversationRequest, own=False, list="lists/l1"),
        *NOT_ENTITLED,
    ),
)
SUPERVISOR_RPCS["SetPriority"] = Rpc(
    valid=_by_conversation(supervisor.SetPriorityRequest, priority=5),
    malformed_name=(lambda w: supervisor.SetPriorityRequest(name=BAD_NAME, priority=5), "name"),
    oversized=(lambda w: supervisor.SetPriorityRequest(name=f"conversations/{LONG}", priority=5), "name"),
    foreign=(_by_conversation(supervisor.SetPriorityRequest, own=False, priority=5), *NOT_ENTITLED),
)
SUPERVISOR_RPCS["ReleaseParticipant"] = Rpc(
    valid=_by_conversation(supervisor.ReleaseParticipantRequest, agent="agents/agent-1"),
    malformed_name=(_by_conversation(supervisor.ReleaseParticipantRequest, agent=BAD_NAME), "agent"),
    oversized=(_by_conversation(supervisor.ReleaseParticipantRequest, agent=f"agents/{LONG}"), "agent"),
    foreign=(_by_conversation(supervisor.ReleaseParticipantRequest, own=False, agent="agents/agent-1"), *NOT_ENTITLED),
)
SUPERVISOR_RPCS["Whisper"] = Rpc(
    valid=_by_conversation(supervisor.WhisperRequest, text="psst"),
    malformed_name=(lambda w: supervisor.WhisperRequest(name=BAD_NAME, text="psst"), "name"),
    oversized=(_by_conversation(supervisor.WhisperRequest, text=LONG), "text"),
    foreign=(_by_conversation(supervisor.WhisperRequest, own=False, text="psst"), *NOT_ENTITLED),
)
SUPERVISOR_RPCS["BargeIn"] = Rpc(
    valid=_by_conversation(supervisor.BargeInRequest),
    malformed_name=(lambda w: supervisor.BargeInRequest(name=BAD_NAME), "name"),
    oversized=(lambda w: supervisor.BargeInRequest(name=f"conversations/{LONG}"), "name"),
    foreign=(_by_conversation(supervisor.BargeInRequest, own=False), *NOT_ENTITLED),
)
SUPERVISOR_RPCS["SendMessage"] = Rpc(
    valid=_by_conversation(supervisor.SupervisorServiceSendMessageRequest, text="Hello"),
    malformed_name=(
        _by_conversation(supervisor.SupervisorServiceSendMessageRequest, text="Hello", expected_last_message=BAD_NAME),
        "expected_last_message",
    ),
    oversized=(
        _by_conversation(supervisor.SupervisorServiceSendMessageRequest, text="Hello", request_id=LONG),
        "request_id",
    ),
    foreign=(_by_conversation(supervisor.SupervisorServiceSendMessageRequest, own=False, text="Hello"), *NOT_ENTITLED),
)
SUPERVISOR_RPCS["LeaveConversation"] = Rpc(
    valid=_by_conversation(supervisor.SupervisorServiceLeaveConversationRequest),
    malformed_name=(lambda w: supervisor.SupervisorServiceLeaveConversationRequest(name=BAD_NAME), "name"),
    oversized=(lambda w: supervisor.SupervisorServiceLeaveConversationRequest(name=f"conversations/{LONG}"), "name"),
    foreign=(_by_conversation(supervisor.SupervisorServiceLeaveConversationRequest, own=False), *NOT_ENTITLED),
)

SERVICES = {
    "AdminService": ADMIN_RPCS,
    "AgentService": AGENT_RPCS,
    "IngestService": INGEST_RPCS,
    "SupervisorService": SUPERVISOR_RPCS,
}
STUB_MODULES = {"AdminService": admin, "AgentService": agent, "IngestService": ingest, "SupervisorService": supervisor}
CASES = ["no-token", "malformed-token", "wrong-role", "foreign", "malformed-name", "oversized", "unknown-enum"]


def _applies(rpc: Rpc, case: str) -> bool:
    field = {"foreign": "foreign", "malformed-name": "malformed_name", "oversized": "oversized"}.get(case)
    if case == "unknown-enum":
        field = "unknown_enum"
    return field is None or getattr(rpc, field) is not None


# The Admin and Supervisor services share method names with the Agent service.
ID_PREFIX = {"AdminService": "Admin", "SupervisorService": "Supervisor"}
MATRIX = [
    pytest.param(service, method, case, id=f"{ID_PREFIX.get(service, '')}{method}-{case}")
    for service, rpcs in SERVICES.items()
    for method, rpc in rpcs.items()
    for case in CASES
    if _applies(rpc, case)
]


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def world(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('matrix')}/pullrouting.db"
    # The matrix refuses hundreds of bad tokens from one address: throttling them is test_auth's subject.
    async for server in serve(url, failed_logins_per_minute=0):
        scenario = await create_scenario(server, agents=1)
        foreign_list, foreign_service = await add_second_list(scenario)
        scoped = await scenario.admin.CreateIngestor(
            admin.CreateIngestorRequest(
                ingestor_id="scoped", ingestor=res.Ingestor(display_name="Scoped", channels=[scenario.channel])
            )
        )
        sam = await scenario.admin.CreateSupervisor(
            admin.CreateSupervisorRequest(
                supervisor_id="sam", supervisor=res.Supervisor(display_name="Sam", lists=[scenario.list])
            )
        )
        await scenario.admin.CreateWrapUpCode(
            admin.CreateWrapUpCodeRequest(
                wrap_up_code_id="resolved", wrap_up_code=res.WrapUpCode(display_name="Resolved")
            )
        )
        own_post = await scenario.post(customer_id="own")
        own = own_post.conversation.name
        await scenario.agents[0].stub.JoinConversation(agent.JoinConversationRequest(name=own))
        foreign_post = await scenario.post(customer_id="foreign", service_identifier=foreign_service)
        foreign = foreign_post.conversation.name
        world = World(
            scenario,
            scenario.agents[0].token,
            scoped.token,
            sam.token,
            own,
            foreign,
            foreign_list,
            foreign_service,
            own_post.message.name,
            foreign_post.message.name,
        )
        yield server, world


def _metadata(case: str, service: str, w: World) -> tuple[tuple[str, str], ...]:
    if case == "no-token":
        return ()
    if case == "malformed-token":
        return (("authorization", "Bearer not.a-token-anyone.holds"),)
    own = {
        "AdminService": ADMIN_TOKEN,
        "AgentService": w.agent_token,
        "IngestService": w.scoped_ingestor_token,
        "SupervisorService": w.supervisor_token,
    }
    wrong = {
        "AdminService": w.supervisor_token,
        "AgentService": w.supervisor_token,
        "IngestService": ADMIN_TOKEN,
        "SupervisorService": w.agent_token,
    }
    return (("authorization", f"Bearer {(wrong if case == 'wrong-role' else own)[service]}"),)


def _expected(rpc: Rpc, case: str) -> tuple[Request, Code, str, str | None]:
    """The request, and the status code, reason and offending field it must be refused with."""
    if case == "no-token":
        return rpc.valid, Code.UNAUTHENTICATED, "TOKEN_MISSING", None
    if case == "malformed-token":
        return rpc.valid, Code.UNAUTHENTICATED, "TOKEN_INVALID", None
    if case == "wrong-role":
        return rpc.valid, Code.PERMISSION_DENIED, "ROLE_NOT_ALLOWED", None
    if case == "foreign":
        assert rpc.foreign is not None
        request, code, reason = rpc.foreign
        return request, code, reason, None
    field_case = {"malformed-name": rpc.malformed_name, "oversized": rpc.oversized, "unknown-enum": rpc.unknown_enum}
    request, field = field_case[case]
    return request, Code.INVALID_ARGUMENT, "FIELD_INVALID", field


# What a refused call said: its status code, its ErrorInfo reason, the fields its BadRequest names.
Refusal = tuple[Code, str, set[str]]


def _refusal_of(details: list[Any], code: Code) -> Refusal:
    fields = {v.field for d in details if isinstance(d, error_details_pb2.BadRequest) for v in d.field_violations}
    return code, details[0].reason, fields


async def _call(server, service: str, method: str, request: Any, metadata: tuple) -> Refusal | None:
    """Calls the method; its refusal, if it refused. A streamed message's refusal is its acknowledgement's."""
    stub_module = STUB_MODULES[service]
    descriptor = stub_module.DESCRIPTOR.services_by_name[service].methods_by_name[method]
    path = f"/pullrouting.v1.{service}/{method}"
    channel = server.channel(None)
    response_type = getattr(stub_module, descriptor.output_type.name)
    serializers = {
        "request_serializer": type(request).SerializeToString,
        "response_deserializer": response_type.FromString,
    }
    try:
        if descriptor.client_streaming:
            # The request given as an iterator, not written: a call refused on its metadata may end before
            # a write, and the write's failure would hide the status.
            stream = channel.stream_stream(path, **serializers)(iter([request]), metadata=metadata, timeout=10)
            acknowledgement = await stream.read()
            if acknowledgement.HasField("error"):
                status = acknowledgement.error
                code = next(code for code in Code if code.value[0] == status.code)
                return _refusal_of(status_details(status), code)
        elif descriptor.server_streaming:
            await channel.unary_stream(path, **serializers)(request, metadata=metadata, timeout=10).read()
        else:
            await channel.unary_unary(path, **serializers)(request, metadata=metadata, timeout=10)
    except grpc.aio.AioRpcError as error:
        return _refusal_of(error_details(error), error.code())
    return None


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("service", "method", "case"), MATRIX)
async def test_matrix(world, service, method, case):
    server, w = world
    request, code, reason, field = _expected(SERVICES[service][method], case)
    before = dump_store(server.database_url)

    refusal = await _call(server, service, method, request(w), _metadata(case, service, w))
    if code is Code.OK:
        assert refusal is None
        assert dump_store(server.database_url) == before, "a call that may change nothing changed the store"
        return
    assert refusal is not None, "not refused"
    refused_code, refused_reason, fields = refusal
    assert (refused_code, refused_reason) == (code, reason)
    if field is not None:
        assert field in fields, fields
    assert dump_store(server.database_url) == before, "a refused call changed the store"


def test_the_matrix_covers_every_rpc():
    for service, rpcs in SERVICES.items():
        stub_module = STUB_MODULES[service]
        declared = {method.name for method in stub_module.DESCRIPTOR.services_by_name[service].methods}
        assert set(rpcs) == declared, service
