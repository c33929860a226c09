"""pullrouting_client: the Python SDK of pullrouting, a typed layer over the generated `pullrouting.v1` stubs.

- `connect()` opens a `grpc.aio` channel that sends the bearer token on every call (over TLS when asked),
  retries UNAVAILABLE and waits for a starting server; `bearer_token_interceptors()` add the token to a
  channel made by hand;
- `AdminClient`, `AgentClient`, `IngestClient` and `SupervisorClient` take plain Python arguments, give each
  unary call a default deadline, and raise a `PullroutingError` subclass per refusal reason (`ListFull`,
  `NotSubscribed`...); `pullrouting_client.sync` has the same clients, blocking;
- their `watch_*` methods return `ResumableWatch` iterators that reconnect with backoff and jitter and resume
  from the last resume token, so a desk, connector or console never misses an event;
- `enums` has the API's enums as IntEnums; `names` builds and parses resource names.
"""

from pullrouting_client import enums, names
from pullrouting_client.admin import AdminClient
from pullrouting_client.agent import AgentClient, new_message_id
from pullrouting_client.calls import DEFAULT_TIMEOUT
from pullrouting_client.connection import bearer_token_interceptors, connect
from pullrouting_client.enums import (
    Activity,
    AgentStatusEventType,
    CloseReason,
    ConversationEventType,
    ConversationState,
    ListAlert,
    ListEventType,
    OutboundEventType,
    Presence,
    RoutingMode,
    SenderType,
)
from pullrouting_client.errors import (
    ERROR_BY_REASON,
    AgentAtCapacity,
    ChannelDisabled,
    ChannelNotPermitted,
    ChannelNotPull,
    CloseReasonNotAllowed,
    ConversationClosed,
    DeadlineExceeded,
    FieldInvalid,
    InvitationNotPending,
    ListFull,
    NotEntitled,
    NotParticipant,
    NotSubscribed,
    PrincipalDisabled,
    PullroutingError,
    RateLimited,
    ResourceExists,
    ResourceIdRetired,
    ResourceInUse,
    ResourceNotFound,
    ResumeTokenExpired,
    RoleNotAllowed,
    ServerShuttingDown,
    ServiceIdentifierTaken,
    ServiceIdentifierUnknown,
    SlowConsumer,
    StaleView,
    TokenInvalid,
    TokenMissing,
    TooManyStreams,
    TransferNotAccepted,
    Unavailable,
    WrapUpRequired,
    error_reason,
    from_rpc_error,
)
from pullrouting_client.ingest import IngestClient
from pullrouting_client.supervisor import SupervisorClient
from pullrouting_client.watch import Backoff, ResumableWatch, is_retryable

__version__ = "0.2.0"

__all__ = [
    "DEFAULT_TIMEOUT",
    "ERROR_BY_REASON",
    "Activity",
    "AdminClient",
    "AgentAtCapacity",
    "AgentClient",
    "AgentStatusEventType",
    "Backoff",
    "ChannelDisabled",
    "ChannelNotPermitted",
    "ChannelNotPull",
    "CloseReason",
    "CloseReasonNotAllowed",
    "ConversationClosed",
    "ConversationEventType",
    "ConversationState",
    "DeadlineExceeded",
    "FieldInvalid",
    "IngestClient",
    "InvitationNotPending",
    "ListAlert",
    "ListEventType",
    "ListFull",
    "NotEntitled",
    "NotParticipant",
    "NotSubscribed",
    "OutboundEventType",
    "Presence",
    "PrincipalDisabled",
    "PullroutingError",
    "RateLimited",
    "ResourceExists",
    "ResourceIdRetired",
    "ResourceInUse",
    "ResourceNotFound",
    "ResumableWatch",
    "ResumeTokenExpired",
    "RoleNotAllowed",
    "RoutingMode",
    "SenderType",
    "ServerShuttingDown",
    "ServiceIdentifierTaken",
    "ServiceIdentifierUnknown",
    "SlowConsumer",
    "StaleView",
    "SupervisorClient",
    "TokenInvalid",
    "TokenMissing",
    "TooManyStreams",
    "TransferNotAccepted",
    "Unavailable",
    "WrapUpRequired",
    "bearer_token_interceptors",
    "connect",
    "enums",
    "error_reason",
    "from_rpc_error",
    "is_retryable",
    "names",
    "new_message_id",
]
