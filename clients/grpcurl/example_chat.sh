#!/usr/bin/env bash
# The seed's "Example Chat" with grpcurl, through server reflection (no proto files), on a server set up by
# admin_workflow.sh: the admin makes an agent entitled to L1 and an ingestor credential for C2; a comment on
# the Facebook page comes in through IngestService and lands on L1, UNREAD; the agent sees it, subscribes,
# joins (ACTIVE), writes to the customer, leaves (INACTIVE) and closes it (CLOSED).
# The same calls as the grpcurl-example-chat block of docs/grpcurl.md (tests/test_grpcurl_chat.py keeps them in
# step), and what a second run needs.
#
#   PULLROUTING_ADMIN_TOKEN=... [PULLROUTING_ADDRESS=host:port] clients/grpcurl/example_chat.sh
#
# Run again, it plays the chat again with a new comment (agent-1 and the ingestor exist: their tokens are rotated).
set -euo pipefail

ADDRESS="${PULLROUTING_ADDRESS:-127.0.0.1:50051}"
: "${PULLROUTING_ADMIN_TOKEN:?set PULLROUTING_ADMIN_TOKEN to the admin token of the server}"
# grpcurl (and python3) from PATH, else the ones in the repository's .venv (grpcurl comes with the dev extra).
if ! command -v grpcurl >/dev/null; then
    PATH="$(cd "$(dirname "$0")/../.." && pwd)/.venv/bin:$PATH"
fi

# One field of the JSON response on stdin, by its path ("conversation.name").
json_field() {
    python3 -c 'import json, sys
value = json.load(sys.stdin)
for key in sys.argv[1].split("."):
    value = value[key]
print(value)' "$1"
}
# A new comment on every run: a post that repeats an earlier run's source_message_id is answered with that run's
# (closed) request.
RUN=$(date +%s)-$$

# agent-1 and the ingestor are made on the first run; a later run finds them (ALREADY_EXISTS) and takes new
# tokens for them instead.
if ! AGENT=$(grpcurl -plaintext -H "authorization: Bearer $PULLROUTING_ADMIN_TOKEN" \
  -d '{"agent_id": "agent-1", "agent": {"display_name": "Agent 1", "lists": ["lists/l1"]}}' \
  "$ADDRESS" pullrouting.v1.AdminService/CreateAgent 2>/dev/null); then
    AGENT=$(grpcurl -plaintext -H "authorization: Bearer $PULLROUTING_ADMIN_TOKEN" \
      -d '{"name": "agents/agent-1"}' \
      "$ADDRESS" pullrouting.v1.AdminService/RotateAgentToken)
fi
AGENT_TOKEN=$(json_field token <<<"$AGENT")
if ! INGESTOR=$(grpcurl -plaintext -H "authorization: Bearer $PULLROUTING_ADMIN_TOKEN" \
  -d '{"ingestor_id": "facebook-page", "ingestor": {"display_name": "Facebook page connector", "channels": ["channels/c2"]}}' \
  "$ADDRESS" pullrouting.v1.AdminService/CreateIngestor 2>/dev/null); then
    INGESTOR=$(grpcurl -plaintext -H "authorization: Bearer $PULLROUTING_ADMIN_TOKEN" \
      -d '{"name": "ingestors/facebook-page"}' \
      "$ADDRESS" pullrouting.v1.AdminService/RotateIngestorToken)
fi
INGESTOR_TOKEN=$(json_field token <<<"$INGESTOR")
POSTED=$(grpcurl -plaintext -H "authorization: Bearer $INGESTOR_TOKEN" \
  -d "{\"service_identifier\": \"facebook-page-1234567890\", \"customer\": {\"id\": \"fb-user-77\", \"display_name\": \"Dana\"}, \"text\": \"Is my order shipped?\", \"source_message_id\": \"fb-comment-$RUN\"}" \
  "$ADDRESS" pullrouting.v1.IngestService/PostCustomerMessage)
echo "$POSTED" >&2
CONVERSATION=$(json_field conversation.name <<<"$POSTED")
grpcurl -plaintext -emit-defaults -H "authorization: Bearer $AGENT_TOKEN" \
  -d '{}' \
  "$ADDRESS" pullrouting.v1.AgentService/ListLists
grpcurl -plaintext -H "authorization: Bearer $AGENT_TOKEN" \
  -d '{"list": "lists/l1"}' \
  "$ADDRESS" pullrouting.v1.AgentService/Subscribe
grpcurl -plaintext -H "authorization: Bearer $AGENT_TOKEN" \
  -d '{"parent": "lists/l1"}' \
  "$ADDRESS" pullrouting.v1.AgentService/ListConversations
grpcurl -plaintext -H "authorization: Bearer $AGENT_TOKEN" \
  -d "{\"name\": \"$CONVERSATION\"}" \
  "$ADDRESS" pullrouting.v1.AgentService/JoinConversation
grpcurl -plaintext -H "authorization: Bearer $AGENT_TOKEN" \
  -d "{\"conversation\": \"$CONVERSATION\", \"text\": \"Hi Dana, it left our warehouse this morning.\", \"client_message_id\": \"reply-1\"}" \
  "$ADDRESS" pullrouting.v1.AgentService/SendMessage
grpcurl -plaintext -H "authorization: Bearer $AGENT_TOKEN" \
  -d "{\"name\": \"$CONVERSATION\"}" \
  "$ADDRESS" pullrouting.v1.AgentService/LeaveConversation
grpcurl -plaintext -H "authorization: Bearer $AGENT_TOKEN" \
  -d "{\"name\": \"$CONVERSATION\"}" \
  "$ADDRESS" pullrouting.v1.AgentService/CloseConversation
