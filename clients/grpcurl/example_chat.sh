#!/usr/bin/env bash
# The seed's "Example Chat" with grpcurl, through server reflection (no proto files), on a server set up by
# admin_workflow.sh: the admin makes an agent entitled to L1 and an ingestor credential for C2; a comment on
# the Facebook page comes in through IngestService and lands on L1, UNREAD; the agent sees it, subscribes,
# joins (ACTIVE), writes to the customer, leaves (INACTIVE) and closes it (CLOSED).
# The same calls as the grpcurl-example-chat block of docs/grpcurl.md (tests/test_grpcurl_chat.py keeps them in step).
#
#   PULLROUTING_ADMIN_TOKEN=... [PULLROUTING_ADDRESS=host:port] clients/grpcurl/example_chat.sh
#
# Meant for a fresh server after admin_workflow.sh: a second run fails with ALREADY_EXISTS (agent-1 exists).
set -euo pipefail

ADDRESS="${PULLROUTING_ADDRESS:-127.0.0.1:50051}"
: "${PULLROUTING_ADMIN_TOKEN:?set PULLROUTING_ADMIN_TOKEN to the admin token of the server}"
# grpcurl (and python3) from PATH, else the ones in the repository's .venv (grpcurl comes with the dev extra).
if ! command -v grpcurl >/dev/null; then
    PATH="$(cd "$(dirname "$0")/../.." && pwd)/.venv/bin:$PATH"
fi

AGENT_TOKEN=$(grpcurl -plaintext -H "authorization: Bearer $PULLROUTING_ADMIN_TOKEN" \
  -d '{"agent_id": "agent-1", "agent": {"display_name": "Agent 1", "lists": ["lists/l1"]}}' \
  "$ADDRESS" pullrouting.v1.AdminService/CreateAgent | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
INGESTOR_TOKEN=$(grpcurl -plaintext -H "authorization: Bearer $PULLROUTING_ADMIN_TOKEN" \
  -d '{"ingestor_id": "facebook-page", "ingestor": {"display_name": "Facebook page connector", "channels": ["channels/c2"]}}' \
  "$ADDRESS" pullrouting.v1.AdminService/CreateIngestor | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
CONVERSATION=$(grpcurl -plaintext -H "authorization: Bearer $INGESTOR_TOKEN" \
  -d '{"service_identifier": "facebook-page-1234567890", "customer": {"id": "fb-user-77", "display_name": "Dana"}, "text": "Is my order shipped?", "source_message_id": "fb-comment-1"}' \
  "$ADDRESS" pullrouting.v1.IngestService/PostCustomerMessage | tee /dev/stderr | python3 -c 'import json, sys; print(json.load(sys.stdin)["conversation"]["name"])')
grpcurl -plaintext -H "authorization: Bearer $AGENT_TOKEN" \
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
