"""SQL for the configuration resources: one set of statements, driven by a description of each resource's
table (its row mapping, link table, unique columns and the rows that depend on it). Every function runs
inside the caller's transaction."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Connection, Table, delete, exists, insert, select, update

from pullrouting.domain.conversation import subscription_event
from pullrouting.domain.errors import DomainError, Reason, Violations
from pullrouting.domain.events import LeaveCause, SubscriptionEventType, principal_changed
from pullrouting.domain.model import ConversationState
from pullrouting.domain.names import (
    AGENTS,
    CHANNEL_TYPES,
    CHANNELS,
    CONVERSATIONS,
    INGESTORS,
    LISTS,
    MEDIA_ROUTING_DOMAINS,
    SUPERVISORS,
    WRAP_UP_CODES,
    format_name,
)
from pullrouting.domain.presence import Presence
from pullrouting.domain.principal import Principal, Role
from pullrouting.domain.resources import (
    Agent,
    Channel,
    ChannelType,
    Ingestor,
    MediaRoutingDomain,
    Reference,
    Resource,
    ResourceRules,
    RoutingList,
    RoutingMode,
    Supervisor,
    WrapUpCode,
)
from pullrouting.store import events, withdrawals
from pullrouting.store.paging import keyset_page
from pullrouting.store.tables import (
    agent_capacity_overrides,
    agent_lists,
    agents,
    channel_types,
    channels,
    conversations,
    ingestor_channels,
    ingestors,
    list_transfer_sources,
    lists,
    media_routing_domains,
    retired_ids,
    subscriptions,
    supervisor_lists,
    supervisors,
    wrap_up_code_lists,
    wrap_up_codes,
)

R = TypeVar("R", bound=Resource)
Row = Mapping[str, Any]

TABLE_BY_COLLECTION: dict[str, Table] = {
    MEDIA_ROUTING_DOMAINS: media_routing_domains,
    CHANNEL_TYPES: channel_types,
    LISTS: lists,
    CHANNELS: channels,
    AGENTS: agents,
    INGESTORS: ingestors,
    WRAP_UP_CODES: wrap_up_codes,
    SUPERVISORS: supervisors,
}


@dataclass(frozen=True)
class Members:
    """A repeated reference kept in a link table, in the order given: an agent's lists, an ingestor's channels."""

    attribute: str
    table: Table
    owner_column: str
    member_column: str
    collection: str
    # A value kept with each member (an agent's cap in a domain): the attribute then holds (name, value) pairs.
    value_column: str | None = None


@dataclass(frozen=True)
class Dependent:
    """Rows that point at a resource and would be orphaned by its deletion, named `{collection}/{id_column}`."""

    table: Table
    reference_column: str
    collection: str
    id_column: str = "id"
    only: ColumnElement[bool] | None = None


@dataclass(frozen=True)
class ResourceTable(Generic[R]):
    collection: str
    table: Table
    to_row: Callable[[R], dict[str, Any]]
    # Takes the row's columns, plus the member names under each `members.attribute`.
    from_row: Callable[[Row], R]
    members: tuple[Members, ...] = ()
    dependents: tuple[Dependent, ...] = ()
    # Columns no two rows may share, with the reason given when a value is taken.
    unique: tuple[tuple[str, Reason], ...] = ()
    # Keeps rows derived from this resource in step, after a write and before a delete.
    after_write: Callable[[Connection, str], None] | None = None
    before_delete: Callable[[Connection, str], None] | None = None
    # For agents, ingestors and supervisors: disabling, deleting or a new token tells their open streams to check
    # credentials.
    principal_role: Role | None = None
    # Run when the resource is disabled or deleted: an agent lets go of its conversations, a supervisor leaves
    # those it barged into.
    on_disable: Callable[[Connection, str], None] | None = None


def require_existing(connection: Connection, references: list[Reference]) -> None:
    """NOT_FOUND naming the first reference whose resource does not exist."""
    for reference in references:
        table = TABLE_BY_COLLECTION[reference.collection]
        if not _exists(connection, table, _id_of(reference.name)):
            raise DomainError(
                Reason.RESOURCE_NOT_FOUND,
                f"{reference.field}: {reference.name} does not exist",
                resource=reference.name,
                field=reference.field,
            )


def get(connection: Connection, spec: ResourceTable[R], resource_id: str, *, for_update: bool = False) -> R:
    """The resource; NOT_FOUND when there is none. `for_update` locks its row until the transaction ends."""
    query = select(spec.table).where(spec.table.c.id == resource_id)
    row = connection.execute(query.with_for_update() if for_update else query).mappings().first()
    if row is None:
        name = format_name(spec.collection, resource_id)
        raise DomainError(Reason.RESOURCE_NOT_FOUND, f"{name} does not exist", resource=name)
    return with_members(connection, spec, [row])[0]


def list_after(connection: Connection, spec: ResourceTable[R], after_id: str | None, limit: int) -> list[R]:
    """Up to `limit` resources in id order, starting after `after_id`."""
    query = keyset_page(select(spec.table), (spec.table.c.id,), None if after_id is None else (after_id,), limit)
    return with_members(connection, spec, list(connection.execute(query).mappings()))


def create(connection: Connection, spec: ResourceTable[R], resource: R, field_path: str, **extra_columns: Any) -> R:
    """Stores a new, valid resource whose references exist (NOT_FOUND naming the field under `field_path`
    otherwise); ALREADY_EXISTS when its id or a unique value is taken."""
    require_existing(connection, resource.references(field_path))
    return insert_new(connection, spec, resource, **extra_columns)


def update_fields(
    connection: Connection,
    spec: ResourceTable[R],
    resource_id: str,
    changes: Mapping[str, Any],
    field_path: str,
    rules: ResourceRules,
) -> R:
    """Applies `changes` to the resource as it is now (locked): the result must still be valid under `rules`
    and its references exist; errors name fields under `field_path`."""
    updated = replace(get(connection, spec, resource_id, for_update=True), **changes)
    violations = Violations()
    updated.validate(violations, field_path, rules)
    violations.raise_if_any()
    require_existing(connection, updated.references(field_path))
    return update_existing(connection, spec, updated)


def insert_new(connection: Connection, spec: ResourceTable[R], resource: R, **extra_columns: Any) -> R:
    """Stores a new resource; ALREADY_EXISTS when its id or a unique value is taken."""
    if _exists(connection, spec.table, resource.id):
        raise DomainError(Reason.RESOURCE_EXISTS, f"{resource.name} already exists", resource=resource.name)
    if _retired(connection, spec.collection, resource.id):
        raise DomainError(
            Reason.RESOURCE_ID_RETIRED,
            f"{resource.name} was deleted, and a deleted id is never given again; choose another id",
            resource=resource.name,
        )
    _require_unique(connection, spec, resource)
    now = events.now_micros()
    stored = replace(resource, create_time=now, update_time=now)
    connection.execute(insert(spec.table).values(**spec.to_row(stored), **extra_columns))
    _write_derived_rows(connection, spec, stored)
    # A new agent joins the supervisors' views of its Lists (api/agent_statuses.py, api/queues.py).
    _principal_changed(connection, spec, resource.id)
    return stored


def update_existing(connection: Connection, spec: ResourceTable[R], resource: R) -> R:
    """Stores new values for an existing resource and moves its update_time forward."""
    _require_unique(connection, spec, resource)
    # Strictly later, so a client comparing update times sees every change, even two in one microsecond.
    stored = replace(resource, update_time=max(events.now_micros(), resource.update_time + 1))
    values = {k: v for k, v in spec.to_row(stored).items() if k not in ("id", "create_time")}
    connection.execute(update(spec.table).where(spec.table.c.id == resource.id).values(**values))
    _write_derived_rows(connection, spec, stored)
    # Any update may narrow an agent's or ingestor's scope: its open streams check again. Disabling also lets go.
    if getattr(stored, "enabled", True) is False:
        _disabled(connection, spec, resource.id)
    else:
        _principal_changed(connection, spec, resource.id)
    return stored


def delete_existing(connection: Connection, spec: ResourceTable[R], resource_id: str) -> None:
    """Deletes the resource; FAILED_PRECONDITION naming a dependent while anything still points at it."""
    name = get(connection, spec, resource_id, for_update=True).name
    for dependent in spec.dependents:
        column = dependent.table.c[dependent.reference_column]
        query = select(dependent.table.c[dependent.id_column]).where(column == resource_id).limit(1)
        if dependent.only is not None:
            query = query.where(dependent.only)
        user_id = connection.execute(query).scalar()
        if user_id is not None:
            user = format_name(dependent.collection, user_id)
            raise DomainError(Reason.RESOURCE_IN_USE, f"{name} is in use by {user}", resource=name, used_by=user)
    if spec.before_delete is not None:
        spec.before_delete(connection, resource_id)
    _disabled(connection, spec, resource_id)
    connection.execute(delete(spec.table).where(spec.table.c.id == resource_id))
    connection.execute(
        insert(retired_ids).values(collection=spec.collection, id=resource_id, delete_time=events.now_micros())
    )


def set_token_hash(connection: Connection, spec: ResourceTable[R], resource_id: str, token_hash: str) -> None:
    """Replaces the resource's bearer token; NOT_FOUND when there is none."""
    get(connection, spec, resource_id, for_update=True)
    connection.execute(update(spec.table).where(spec.table.c.id == resource_id).values(token_hash=token_hash))
    _principal_changed(connection, spec, resource_id)


def _disabled(connection: Connection, spec: ResourceTable[R], resource_id: str) -> None:
    """The resource was disabled or is being deleted: its credentials are checked again, and an agent or a
    supervisor lets go."""
    _principal_changed(connection, spec, resource_id)
    if spec.on_disable is not None:
        spec.on_disable(connection, resource_id)


def _principal_changed(connection: Connection, spec: ResourceTable[R], resource_id: str) -> None:
    if spec.principal_role is not None:
        events.append(connection, [principal_changed(Principal(spec.principal_role, resource_id))])


def _exists(connection: Connection, table: Table, resource_id: str) -> bool:
    return bool(connection.execute(select(exists().where(table.c.id == resource_id))).scalar())


def _retired(connection: Connection, collection: str, resource_id: str) -> bool:
    retired = exists().where(retired_ids.c.collection == collection, retired_ids.c.id == resource_id)
    return bool(connection.execute(select(retired)).scalar())


def _require_unique(connection: Connection, spec: ResourceTable[R], resource: R) -> None:
    row = spec.to_row(resource)
    for column, reason in spec.unique:
        value = row[column]
        holder = connection.execute(
            select(spec.table.c.id).where(spec.table.c[column] == value, spec.table.c.id != resource.id)
        ).scalar()
        if holder is not None:
            user = format_name(spec.collection, holder)
            raise DomainError(reason, f"{column} {value!r} is taken by {user}", **{column: value}, used_by=user)


def with_members(connection: Connection, spec: ResourceTable[R], rows: list[Row]) -> list[R]:
    values: list[dict[str, Any]] = [dict(row) for row in rows]
    for members in spec.members:
        owner = members.table.c[members.owner_column]
        found: dict[str, list[Any]] = {row["id"]: [] for row in rows}
        value = members.table.c[members.value_column] if members.value_column else members.table.c.position
        links = connection.execute(
            select(owner, members.table.c[members.member_column], value)
            .where(owner.in_(list(found)))
            .order_by(owner, members.table.c.position)
        )
        for owner_id, member_id, member_value in links:
            name = format_name(members.collection, member_id)
            found[owner_id].append((name, member_value) if members.value_column else name)
        for row in values:
            row[members.attribute] = tuple(found[row["id"]])
    return [spec.from_row(row) for row in values]


def _write_derived_rows(connection: Connection, spec: ResourceTable[R], resource: R) -> None:
    """Rewrites the link rows of `resource` and runs its after_write hook."""
    for members in spec.members:
        connection.execute(delete(members.table).where(members.table.c[members.owner_column] == resource.id))
        items: tuple[Any, ...] = getattr(resource, members.attribute)
        if items:
            connection.execute(
                insert(members.table), [_link_row(members, resource.id, item, p) for p, item in enumerate(items)]
            )
    if spec.after_write is not None:
        spec.after_write(connection, resource.id)


def _link_row(members: Members, owner_id: str, item: Any, position: int) -> dict[str, Any]:
    """A link table's row for a member name, or a (name, value) pair where the members keep a value."""
    name, value = item if members.value_column else (item, None)
    row = {members.owner_column: owner_id, members.member_column: _id_of(name), "position": position}
    if members.value_column:
        row[members.value_column] = value
    return row


def _id_of(name: str) -> str:
    """The id of a resource name that validation has already checked."""
    return name.split("/", 1)[1]


def _revoke_subscriptions(connection: Connection, condition: ColumnElement[bool]) -> None:
    """Ends subscriptions that lost their entitlement, telling the agents' list watchers."""
    revoked = connection.execute(
        delete(subscriptions).where(condition).returning(subscriptions.c.agent_id, subscriptions.c.list_id)
    ).all()
    events.append(
        connection,
        [subscription_event(SubscriptionEventType.UNSUBSCRIBED, agent_id, list_id) for agent_id, list_id in revoked],
    )


def _revoke_unentitled_subscriptions(connection: Connection, agent_id: str) -> None:
    entitled = select(agent_lists.c.list_id).where(agent_lists.c.agent_id == agent_id)
    _revoke_subscriptions(connection, (subscriptions.c.agent_id == agent_id) & subscriptions.c.list_id.not_in(entitled))


def _revoke_list_subscriptions(connection: Connection, list_id: str) -> None:
    _revoke_subscriptions(connection, subscriptions.c.list_id == list_id)


def _take_list_out_of_scopes(connection: Connection, list_id: str) -> None:
    """The supervisors whose scope holds the List lose it, each told as after an UpdateSupervisor that drops it
    (a PRINCIPAL event): their open views read their Lists again at once, and a resume token from before it
    starts afresh."""
    dropped = connection.scalars(
        delete(supervisor_lists)
        .where(supervisor_lists.c.list_id == list_id)
        .returning(supervisor_lists.c.supervisor_id)
    ).all()
    events.append(
        connection, [principal_changed(Principal(Role.SUPERVISOR, supervisor_id)) for supervisor_id in sorted(dropped)]
    )


def _before_list_delete(connection: Connection, list_id: str) -> None:
    """Whoever watches the List learns it is gone in the deletion's transaction: the agents subscribed to it
    (UNSUBSCRIBED) and the supervisors whose scope holds it."""
    _revoke_list_subscriptions(connection, list_id)
    _take_list_out_of_scopes(connection, list_id)


def _release_agent(connection: Connection, agent_id: str) -> None:
    # Imported here: store/conversations imports store/subscriptions, which imports this module.
    from pullrouting.store.conversations import release_everywhere

    release_everywhere(connection, agent_id, LeaveCause.DISABLED)
    withdrawals.of_agent(connection, agent_id, events.now_micros())


def _supervisor_leaves_lost_lists(connection: Connection, supervisor_id: str) -> None:
    # Imported here for the same reason as in _release_agent.
    from pullrouting.store.conversations import supervisor_leaves, supervisor_scope

    scope = supervisor_scope(connection, supervisor_id)
    supervisor_leaves(connection, supervisor_id, LeaveCause.OUT_OF_SCOPE, keep_list_ids=scope)


def _supervisor_leaves_all(connection: Connection, supervisor_id: str) -> None:
    from pullrouting.store.conversations import supervisor_leaves

    supervisor_leaves(connection, supervisor_id, LeaveCause.DISABLED)


def _revoke_agent_subscriptions(connection: Connection, agent_id: str) -> None:
    _revoke_subscriptions(connection, subscriptions.c.agent_id == agent_id)


def _base_row(resource: Resource) -> dict[str, Any]:
    return {
        "id": resource.id,
        "display_name": resource.display_name,
        "create_time": resource.create_time,
        "update_time": resource.update_time,
    }


def _base(row: Row) -> dict[str, Any]:
    return {key: row[key] for key in ("id", "display_name", "create_time", "update_time")}


def _open(state: ColumnElement[str]) -> ColumnElement[bool]:
    return state != ConversationState.CLOSED.value


MEDIA_ROUTING_DOMAIN_TABLE = ResourceTable[MediaRoutingDomain](
    collection=MEDIA_ROUTING_DOMAINS,
    table=media_routing_domains,
    to_row=lambda mrd: {
        **_base_row(mrd),
        "description": mrd.description,
        "max_conversations_per_agent": mrd.max_conversations_per_agent,
    },
    from_row=lambda row: MediaRoutingDomain(
        **_base(row),
        description=row["description"],
        max_conversations_per_agent=row["max_conversations_per_agent"],
    ),
    dependents=(
        Dependent(channel_types, "media_routing_domain_id", CHANNEL_TYPES),
        Dependent(agent_capacity_overrides, "media_routing_domain_id", AGENTS, id_column="agent_id"),
    ),
)

CHANNEL_TYPE_TABLE = ResourceTable[ChannelType](
    collection=CHANNEL_TYPES,
    table=channel_types,
    to_row=lambda channel_type: {
        **_base_row(channel_type),
        "media_routing_domain_id": _id_of(channel_type.media_routing_domain),
    },
    from_row=lambda row: ChannelType(
        **_base(row), media_routing_domain=format_name(MEDIA_ROUTING_DOMAINS, row["media_routing_domain_id"])
    ),
    dependents=(Dependent(channels, "channel_type_id", CHANNELS),),
)

LIST_TABLE = ResourceTable[RoutingList](
    collection=LISTS,
    table=lists,
    to_row=lambda routing_list: {
        **_base_row(routing_list),
        "description": routing_list.description,
        "max_participants": routing_list.max_participants,
        "unread_reminder_after_seconds": routing_list.unread_reminder_after,
        "follow_up_alerts": routing_list.follow_up_alerts,
        "reply_reminder_after_seconds": routing_list.reply_reminder_after,
        "close_inactive_after_seconds": routing_list.close_inactive_after,
        "release_after_seconds": routing_list.release_after,
        "release_away_agents": routing_list.release_away_agents,
        "require_wrap_up": routing_list.require_wrap_up,
    },
    from_row=lambda row: RoutingList(
        **_base(row),
        description=row["description"],
        max_participants=row["max_participants"],
        unread_reminder_after=row["unread_reminder_after_seconds"],
        follow_up_alerts=row["follow_up_alerts"],
        reply_reminder_after=row["reply_reminder_after_seconds"],
        close_inactive_after=row["close_inactive_after_seconds"],
        release_after=row["release_after_seconds"],
        release_away_agents=row["release_away_agents"],
        accepts_transfers_from=row["accepts_transfers_from"],
        require_wrap_up=row["require_wrap_up"],
    ),
    members=(Members("accepts_transfers_from", list_transfer_sources, "list_id", "source_list_id", LISTS),),
    dependents=(
        Dependent(channels, "list_id", CHANNELS),
        Dependent(
            list_transfer_sources,
            "source_list_id",
            LISTS,
            id_column="list_id",
            only=list_transfer_sources.c.list_id != list_transfer_sources.c.source_list_id,
        ),
        Dependent(wrap_up_code_lists, "list_id", WRAP_UP_CODES, id_column="wrap_up_code_id"),
        Dependent(conversations, "list_id", CONVERSATIONS, only=_open(conversations.c.state)),
    ),
    before_delete=_before_list_delete,
)

CHANNEL_TABLE = ResourceTable[Channel](
    collection=CHANNELS,
    table=channels,
    to_row=lambda channel: {
        **_base_row(channel),
        "channel_type_id": _id_of(channel.channel_type),
        "service_identifier": channel.service_identifier,
        "routing_mode": channel.routing_mode,
        "list_id": _id_of(channel.list) if channel.list else None,
        "enabled": channel.enabled,
    },
    from_row=lambda row: Channel(
        **_base(row),
        channel_type=format_name(CHANNEL_TYPES, row["channel_type_id"]),
        service_identifier=row["service_identifier"],
        routing_mode=RoutingMode(row["routing_mode"]),
        list=format_name(LISTS, row["list_id"]) if row["list_id"] else "",
        enabled=row["enabled"],
    ),
    unique=(("service_identifier", Reason.SERVICE_IDENTIFIER_TAKEN),),
    dependents=(
        Dependent(conversations, "channel_id", CONVERSATIONS, only=_open(conversations.c.state)),
        Dependent(ingestor_channels, "channel_id", INGESTORS, id_column="ingestor_id"),
    ),
)

AGENT_TABLE = ResourceTable[Agent](
    collection=AGENTS,
    table=agents,
    to_row=lambda agent: {**_base_row(agent), "enabled": agent.enabled},
    from_row=lambda row: Agent(
        **_base(row),
        lists=row["lists"],
        enabled=row["enabled"],
        presence=Presence.OFFLINE if row["offline"] else Presence(row["presence"]),
        capacity_overrides=row["capacity_overrides"],
    ),
    members=(
        Members("lists", agent_lists, "agent_id", "list_id", LISTS),
        Members(
            "capacity_overrides",
            agent_capacity_overrides,
            "agent_id",
            "media_routing_domain_id",
            MEDIA_ROUTING_DOMAINS,
            value_column="max_conversations",
        ),
    ),
    after_write=_revoke_unentitled_subscriptions,
    before_delete=_revoke_agent_subscriptions,
    principal_role=Role.AGENT,
    # Nobody can act for a disabled or deleted agent: its conversations need somebody else at once.
    on_disable=_release_agent,
)

INGESTOR_TABLE = ResourceTable[Ingestor](
    collection=INGESTORS,
    table=ingestors,
    to_row=lambda ingestor: {**_base_row(ingestor), "enabled": ingestor.enabled},
    from_row=lambda row: Ingestor(**_base(row), channels=row["channels"], enabled=row["enabled"]),
    members=(Members("channels", ingestor_channels, "ingestor_id", "channel_id", CHANNELS),),
    principal_role=Role.INGESTOR,
)

WRAP_UP_CODE_TABLE = ResourceTable[WrapUpCode](
    collection=WRAP_UP_CODES,
    table=wrap_up_codes,
    to_row=_base_row,
    from_row=lambda row: WrapUpCode(**_base(row), lists=row["lists"]),
    members=(Members("lists", wrap_up_code_lists, "wrap_up_code_id", "list_id", LISTS),),
)

SUPERVISOR_TABLE = ResourceTable[Supervisor](
    collection=SUPERVISORS,
    table=supervisors,
    to_row=lambda supervisor: {**_base_row(supervisor), "enabled": supervisor.enabled},
    from_row=lambda row: Supervisor(**_base(row), lists=row["lists"], enabled=row["enabled"]),
    members=(Members("lists", supervisor_lists, "supervisor_id", "list_id", LISTS),),
    # A supervisor is in the conversations it barged into only while they are on its lists.
    after_write=_supervisor_leaves_lost_lists,
    principal_role=Role.SUPERVISOR,
    # Nobody speaks for a disabled or deleted supervisor: it leaves every conversation it barged into.
    on_disable=_supervisor_leaves_all,
)
