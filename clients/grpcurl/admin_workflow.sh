#!/usr/bin/env bash
# The seed's admin workflow with grpcurl, through server reflection (no proto files): MRD "Social", channel
# type "Facebook Page Comments", List L1, and channel C2 in pull mode on L1 for one Facebook page.
# The same calls as the grpcurl-admin-workflow block of docs/grpcurl.md (tests/test_grpcurl.py keeps them in step).
#
#   PULLROUTING_ADMIN_TOKEN=... [PULLROUTING_ADDRESS=host:port] clients/grpcurl/admin_workflow.sh
#
# Meant for a fresh server: a second run fails with ALREADY_EXISTS, as the ids are taken.
set -euo pipefail

ADDRESS="${PULLROUTING_ADDRESS:-127.0.0.1:50051}"
: "${PULLROUTING_ADMIN_TOKEN:?set PULLROUTING_ADMIN_TOKEN to the admin token of the server}"
# grpcurl from PATH, else the one the dev extra installs in the repository's .venv.
if ! command -v grpcurl >/dev/null; then
    PATH="$(cd "$(dirname "$0")/../.." && pwd)/.venv/bin:$PATH"
fi

grpcurl -plaintext -H "authorization: Bearer $PULLROUTING_ADMIN_TOKEN" \
  -d '{"media_routing_domain_id": "social", "media_routing_domain": {"display_name": "Social", "description": "Social media requests"}}' \
  "$ADDRESS" pullrouting.v1.AdminService/CreateMediaRoutingDomain
grpcurl -plaintext -H "authorization: Bearer $PULLROUTING_ADMIN_TOKEN" \
  -d '{"channel_type_id": "facebook-page-comments", "channel_type": {"display_name": "Facebook Page Comments", "media_routing_domain": "mediaRoutingDomains/social"}}' \
  "$ADDRESS" pullrouting.v1.AdminService/CreateChannelType
grpcurl -plaintext -H "authorization: Bearer $PULLROUTING_ADMIN_TOKEN" \
  -d '{"list_id": "l1", "list": {"display_name": "L1", "description": "Comments on our Facebook page"}}' \
  "$ADDRESS" pullrouting.v1.AdminService/CreateList
grpcurl -plaintext -H "authorization: Bearer $PULLROUTING_ADMIN_TOKEN" \
  -d '{"channel_id": "c2", "channel": {"display_name": "C2", "channel_type": "channelTypes/facebook-page-comments", "service_identifier": "facebook-page-1234567890", "routing_mode": "ROUTING_MODE_PULL", "list": "lists/l1"}}' \
  "$ADDRESS" pullrouting.v1.AdminService/CreateChannel
grpcurl -plaintext -H "authorization: Bearer $PULLROUTING_ADMIN_TOKEN" \
  -d '{"name": "channels/c2"}' \
  "$ADDRESS" pullrouting.v1.AdminService/GetChannel
