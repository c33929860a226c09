"""pullrouting_client: a small typed layer over the generated pullrouting.v1 stubs.

- `connect()` opens a channel that sends the bearer token on every call, over TLS when asked
  (`bearer_token_interceptors()` do that for a channel made by hand);
- `AgentClient` and `IngestClient` wrap AgentService and IngestService with plain Python arguments;
- their `watch_*` methods return `ResumableWatch` iterators that reconnect with backoff and jitter and resume
  from the last resume token, so a desktop or connector never misses an event;
- `names` builds and parses resource names; `error_reason()` reads a failed call's ErrorInfo reason.
"""

from pullrouting_client.agent import AgentClient
from pullrouting_client.connection import bearer_token_interceptors, connect
from pullrouting_client.errors import error_reason
from pullrouting_client.ingest import IngestClient
from pullrouting_client.watch import Backoff, ResumableWatch, is_retryable

__all__ = [
    "AgentClient",
    "Backoff",
    "IngestClient",
    "ResumableWatch",
    "bearer_token_interceptors",
    "connect",
    "error_reason",
    "is_retryable",
]
