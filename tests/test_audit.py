"""Audit: every change through AdminService and every supervisor action is recorded in its own transaction, with
who, what, which resource and when; ListAuditRecords reads them newest first, filtered by actor, action,
resource and time, a page at a time; records older than the retention are deleted. Metrics count what
supervisors do."""

from datetime import UTC, datetime

import grpc
from metrics_scrape import scrape, value
from scenario import Scenario, create_scenario, expect_refusal, join
from support import ADMIN_TOKEN, expect_error, violated_fields

from pullrouting.ops.audit import AuditRetention
from pullrouting.store.events import now_micros
from pullrouting.v1 import admin_service_pb2 as admin
from pullrouting.v1 import resources_pb2
from pullrouting.v1 import supervisor_service_pb2 as supervisor

Code = grpc.StatusCode
MICROS = 1_000_000


async def audit_records(scenario: Scenario, audit_filter: str = "", page_size: int = 0, page_token: str = ""):
    return await scenario.admin.ListAuditRecords(
        admin.ListAuditRecordsRequest(filter=audit_filter, page_size=page_size, page_token=page_token)
    )


def summary(response) -> list[tuple[str, str, str, str]]:
    return [(r.actor, r.action, r.resource, r.detail) for r in response.audit_records]


async def new_supervisor(scenario: Scenario, supervisor_id: str = "sam"):
    created = await scenario.admin.CreateSupervisor(
        admin.CreateSupervisorRequest(
            supervisor_id=supervisor_id,
            supervisor=resources_pb2.Supervisor(display_name="Sam", lists=[scenario.list]),
        )
    )
    return scenario.server.supervisor(created.token)


async def test_every_admin_change_is_recorded_newest_first(any_server):
    scenario = await create_scenario(any_server, agents=1)
    await new_supervisor(scenario)
    await scenario.admin.UpdateList(
        admin.UpdateListRequest(
            list=resources_pb2.List(name=scenario.list, display_name="Billing", max_participants=2),
            update_mask={"paths": ["display_name", "max_participants"]},
        )
    )
    await scenario.admin.RotateSupervisorToken(admin.RotateSupervisorTokenRequest(name="supervisors/sam"))
    conversation = await scenario.new_conversation()
    await scenario.admin.ForceCloseConversation(admin.ForceCloseConversationRequest(name=conversation.name))
    # Reads and refusals are no changes.
    await scenario.admin.GetList(admin.GetListRequest(name=scenario.list))
    await expect_error(scenario.admin.DeleteList(admin.DeleteListRequest(name=scenario.list)), Code.FAILED_PRECONDITION)

    records = await audit_records(scenario)

    assert summary(records)[:4] == [
        ("admin", "ForceCloseConversation", conversation.name, ""),
        ("admin", "RotateSupervisorToken", "supervisors/sam", ""),
        ("admin", "UpdateList", "lists/l1", "update_mask: display_name, max_participants"),
        ("admin", "CreateSupervisor", "supervisors/sam", ""),
    ]
    # The scenario's setup, oldest last: each configuration change once.
    assert [(r.action, r.resource) for r in records.audit_records[4:]][::-1] == [
        ("CreateMediaRoutingDomain", "mediaRoutingDomains/social"),
        ("CreateChannelType", "channelTypes/facebook-page-comments"),
        ("CreateList", "lists/l1"),
        ("CreateChannel", "channels/c2"),
        ("CreateIngestor", "ingestors/connector"),
        ("CreateAgent", "agents/agent-1"),
    ]
    names = [r.name for r in records.audit_records]
    assert names == sorted(names, key=lambda name: int(name.rpartition("/")[2]), reverse=True)
    times = [r.create_time.ToMicroseconds() for r in records.audit_records]
    assert times == sorted(times, reverse=True)


async def test_supervisor_actions_are_attributed_and_filtered(any_server):
    scenario = await create_scenario(any_server, agents=1)
    sam = await new_supervisor(scenario)
    conversation = await scenario.new_conversation()
    await join(scenario.agents[0], conversation.name)
    started = now_micros()

    await sam.SetPriority(supervisor.SetPriorityRequest(name=conversation.name, priority=7))
    await sam.Whisper(supervisor.WhisperRequest(name=conversation.name, text="Offer the refund"))
    await sam.ReleaseParticipant(supervisor.ReleaseParticipantRequest(name=conversation.name, agent="agents/agent-1"))
    await sam.ForceCloseConversation(supervisor.SupervisorServiceForceCloseConversationRequest(name=conversation.name))
    await expect_error(
        sam.ForceCloseConversation(supervisor.SupervisorServiceForceCloseConversationRequest(name=conversation.name)),
        Code.FAILED_PRECONDITION,
        "CONVERSATION_CLOSED",
    )

    by_sam = await audit_records(scenario, 'actor = "supervisors/sam"')
    assert summary(by_sam) == [
        ("supervisors/sam", "ForceCloseConversation", conversation.name, ""),
        ("supervisors/sam", "ReleaseParticipant", conversation.name, "agent: agents/agent-1"),
        ("supervisors/sam", "Whisper", conversation.name, ""),
        ("supervisors/sam", "SetPriority", conversation.name, "priority: 7"),
    ]
    on_conversation = await audit_records(scenario, f'resource = "{conversation.name}" AND action = "Whisper"')
    assert summary(on_conversation) == [("supervisors/sam", "Whisper", conversation.name, "")]
    since = await audit_records(scenario, f'create_time >= "{_rfc3339(started)}"')
    assert summary(since) == summary(by_sam)
    before = await audit_records(scenario, f'create_time < "{_rfc3339(started)}" AND actor = "supervisors/sam"')
    assert summary(before) == []


async def test_audit_records_come_a_page_at_a_time_for_one_filter(any_server):
    scenario = await create_scenario(any_server, agents=3)
    first = await audit_records(scenario, 'action = "CreateAgent"', page_size=2)
    second = await audit_records(scenario, 'action = "CreateAgent"', page_size=2, page_token=first.next_page_token)

    assert [r.resource for r in (*first.audit_records, *second.audit_records)] == [
        "agents/agent-3",
        "agents/agent-2",
        "agents/agent-1",
    ]
    assert second.next_page_token == ""
    error = await expect_refusal(
        any_server,
        lambda: audit_records(scenario, 'action = "CreateList"', page_token=first.next_page_token),
        Code.INVALID_ARGUMENT,
        "FIELD_INVALID",
    )
    assert violated_fields(error) == {"page_token"}


async def test_a_filter_it_cannot_read_is_refused_naming_it(server):
    scenario = await create_scenario(server, agents=0)
    for bad in (
        'actor == "admin"',
        'actor = "admin" OR actor = "supervisors/sam"',
        'detail = "x"',
        'actor > "admin"',
        'create_time >= "yesterday"',
        'create_time >= "2026-11-30T08:00:00"',
        'actor = "a" AND actor = "b"',
        "x" * 1001,
    ):
        error = await expect_refusal(server, lambda bad=bad: audit_records(scenario, bad), Code.INVALID_ARGUMENT)
        assert violated_fields(error) == {"filter"}, bad


async def test_records_older_than_the_retention_are_deleted(any_server):
    scenario = await create_scenario(any_server, agents=1)
    assert len((await audit_records(scenario)).audit_records) == 6
    retention = AuditRetention(any_server.running.database, 60, clock=lambda: now_micros() + 61 * MICROS)
    kept = AuditRetention(any_server.running.database, 60, clock=now_micros)

    assert await kept.tick() == 0
    assert await retention.tick() == 6

    assert list((await audit_records(scenario)).audit_records) == []


async def test_the_admin_token_alone_reads_the_audit(any_server):
    scenario = await create_scenario(any_server, agents=1)
    sam_token = (
        await scenario.admin.CreateSupervisor(
            admin.CreateSupervisorRequest(
                supervisor_id="sam", supervisor=resources_pb2.Supervisor(display_name="Sam", lists=[scenario.list])
            )
        )
    ).token
    for token in (sam_token, scenario.agents[0].token):
        await expect_error(
            any_server.admin(token).ListAuditRecords(admin.ListAuditRecordsRequest()),
            Code.PERMISSION_DENIED,
            "ROLE_NOT_ALLOWED",
        )
    assert (await any_server.admin(ADMIN_TOKEN).ListAuditRecords(admin.ListAuditRecordsRequest())).audit_records


async def test_supervisor_figures_are_counted(measured_server):
    scenario = await create_scenario(measured_server, agents=1)
    sam = await new_supervisor(scenario)
    conversation = await scenario.new_conversation()
    await join(scenario.agents[0], conversation.name)

    await sam.Whisper(supervisor.WhisperRequest(name=conversation.name, text="Offer the refund"))
    await sam.BargeIn(supervisor.BargeInRequest(name=conversation.name))
    await sam.SendMessage(supervisor.SupervisorServiceSendMessageRequest(name=conversation.name, text="I am here"))
    await sam.ReleaseParticipant(supervisor.ReleaseParticipantRequest(name=conversation.name, agent="agents/agent-1"))
    await sam.ForceCloseConversation(supervisor.SupervisorServiceForceCloseConversationRequest(name=conversation.name))

    samples = await scrape(measured_server)
    assert value(samples, "pullrouting_barge_ins_total", list="l1") == 1
    assert value(samples, "pullrouting_supervisor_notes_total", list="l1") == 1
    assert value(samples, "pullrouting_supervisor_messages_total", list="l1") == 1
    assert value(samples, "pullrouting_releases_total", list="l1", cause="REMOVED") == 1
    assert value(samples, "pullrouting_forced_closes_total", list="l1") == 1
    assert value(samples, "pullrouting_rpcs_total", method="SupervisorService/Whisper", code="OK") == 1


def _rfc3339(micros: int) -> str:
    moment = datetime.fromtimestamp(micros // MICROS, UTC).replace(microsecond=micros % MICROS)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def test_an_action_on_one_instance_is_read_on_another(two_instances):
    first, second = two_instances
    scenario = await create_scenario(first, agents=0)
    sam = await new_supervisor(scenario)
    conversation = await scenario.new_conversation()
    await sam.SetPriority(supervisor.SetPriorityRequest(name=conversation.name, priority=3))

    records = await second.admin().ListAuditRecords(admin.ListAuditRecordsRequest(filter='actor = "supervisors/sam"'))

    assert summary(records) == [("supervisors/sam", "SetPriority", conversation.name, "priority: 3")]
