"""Server settings, each declared once as a field of `Settings`: its type, default, range and meaning. The
command-line flag, the environment variable, the config file key, validation and the documentation table all
come from that one declaration. A flag beats its environment variable, which beats the config file, which
beats the default."""

import argparse
import difflib
import math
import tomllib
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from sqlalchemy.engine import make_url

from pullrouting.ops.logs import LOG_FORMATS
from pullrouting.store.database import DEFAULT_DATABASE_URL

ENVIRONMENT_PREFIX = "PULLROUTING_"
ADMIN_TOKEN_FILE = "pullrouting-admin-token"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# gRPC keeps message sizes in a signed 32-bit integer.
LARGEST_MESSAGE_BYTES = 2**31 - 1
_DECLARATION = "pullrouting.setting"
T = typing.TypeVar("T")


class SettingError(Exception):
    """A value that cannot be used; the message names where it came from and what it must be."""


@dataclass(frozen=True)
class Declaration:
    meaning: str
    metavar: str
    flag: str
    at_least: float | None
    above: float | None
    at_most: float | None
    choices: tuple[str, ...]
    # Other settings this one is useless without.
    needs: tuple[str, ...]
    # What the default means, for the documentation: "1 MiB", "no endpoint".
    default_note: str
    # `pullrouting migrate` takes this flag too.
    migrate: bool


def setting(
    default: T,
    meaning: str,
    *,
    metavar: str = "",
    flag: str = "",
    at_least: float | None = None,
    above: float | None = None,
    at_most: float | None = None,
    choices: tuple[str, ...] = (),
    needs: tuple[str, ...] = (),
    default_note: str = "",
    migrate: bool = False,
) -> T:
    """One row of the settings table: a dataclass field carrying everything the flag, the variable, the config
    file key, validation and the documentation need. `None` as the default means unset."""
    declaration = Declaration(
        meaning, metavar, flag, at_least, above, at_most, choices, needs, default_note, migrate
    )
    return field(default=default, metadata={_DECLARATION: declaration})


@dataclass(frozen=True)
class Settings:
    listen: str = setting(
        "127.0.0.1:50051",
        "address to listen on; port 0 picks a free port (the log says which)",
        metavar="HOST:PORT",
    )
    database_url: str = setting(
        DEFAULT_DATABASE_URL,
        "SQLAlchemy URL: `sqlite:///path/file.db` (relative to the working directory), or "
        "`postgresql://user:password@host:5432/db` (psycopg 3)",
        metavar="URL",
        flag="--database",
        migrate=True,
    )
    admin_token: str | None = setting(
        None,
        "the admin bearer token, at least 32 characters (a flag shows in the process list: prefer the variable "
        "or the config file); unset, the server reads or creates the token file beside the database, which "
        "must be private to the server's user",
        metavar="TOKEN",
        default_note="the token file",
    )
    log_level: str = setting(
        "INFO", "the least severe log level written", metavar="LEVEL", choices=LOG_LEVELS, migrate=True
    )
    log_format: str = setting(
        "text",
        "`text` lines for people, or `json`: one JSON object a line, for log pipelines",
        metavar="FORMAT",
        choices=LOG_FORMATS,
        migrate=True,
    )
    metrics_address: str | None = setting(
        None,
        "serve Prometheus metrics at `http://HOST:PORT/metrics`; port 0 picks a free port (the log says which)",
        metavar="HOST:PORT",
        default_note="no endpoint",
    )
    reminder_check_seconds: float = setting(
        5.0,
        "how often each instance looks for UNREAD requests due a reminder (a List's `unread_reminder_after`); "
        "a reminder is at most this late, and no List's `unread_reminder_after` may be shorter; also how often "
        "agents are found OFFLINE and participants released (a List's `release_after`, no shorter either)",
        above=0,
    )
    presence_grace_seconds: float = setting(
        30.0,
        "how long an agent may have no open stream on any instance before it shows OFFLINE (a reconnect within "
        "it goes unnoticed); each instance records the agents whose streams it holds every third of it",
        above=0,
    )
    invitation_ttl_seconds: float = setting(
        120.0,
        "how long an invitation (AgentService.InviteAgent) waits for an answer before it expires and the inviter "
        "is told; noticed within the reminder check interval",
        above=0,
    )
    activity_ttl_seconds: float = setting(
        6.0,
        "how long a TYPING or VIEWING activity (AgentService.SetActivity, IngestService.PostCustomerActivity) "
        "lasts unless set again; then its watchers are told it ended",
        above=0,
    )
    tls_cert: str | None = setting(
        None,
        "serve TLS with this certificate chain (PEM file)",
        metavar="PEM",
        needs=("tls_key",),
        default_note="plaintext",
    )
    tls_key: str | None = setting(None, "the certificate's private key (PEM file)", metavar="PEM", needs=("tls_cert",))
    tls_client_ca: str | None = setting(
        None,
        "require a client certificate signed by this CA (mutual TLS)",
        metavar="PEM",
        needs=("tls_cert", "tls_key"),
    )
    oidc_issuer: str | None = setting(
        None,
        "also accept agent JWTs from this OpenID Connect issuer (`iss`)",
        metavar="URL",
        needs=("oidc_audience", "oidc_jwks"),
        default_note="no JWTs",
    )
    oidc_audience: str | None = setting(None, "the audience (`aud`) agent JWTs must carry", metavar="AUD")
    oidc_jwks: str | None = setting(
        None,
        "the issuer's signing keys: a JWKS file, or its URL (Keycloak: `.../realms/R/protocol/openid-connect/certs`)",
        metavar="FILE|URL",
    )
    oidc_agent_claim: str = setting(
        "sub", "the JWT claim holding the agent id (Keycloak: often `preferred_username`)", metavar="CLAIM"
    )
    oidc_supervisor_claim: str | None = setting(
        None,
        "also accept JWTs on SupervisorService: the claim holding the supervisor id (a Keycloak mapper's, e.g. "
        "`supervisor_id`); the supervisor must exist",
        metavar="CLAIM",
        needs=("oidc_issuer",),
        default_note="no supervisor JWTs",
    )
    oidc_desk_client_id: str | None = setting(
        None,
        "the browser desk's client id at the OpenID Connect issuer: the desk offers to sign in there "
        "(Authorization Code with PKCE, a public client whose redirect URI is the desk's address, e.g. "
        "`https://desk.example.com/`) and sends the access token, which must be a JWT this server accepts",
        metavar="ID",
        needs=("oidc_issuer", "web_listen"),
        default_note="agent tokens pasted in",
    )
    max_message_bytes: int = setting(
        1024 * 1024,
        "largest request the server reads; larger ones get `RESOURCE_EXHAUSTED` from gRPC itself",
        metavar="BYTES",
        at_least=1,
        at_most=LARGEST_MESSAGE_BYTES,
        default_note="1 MiB",
    )
    rate_limit_per_second: int = setting(
        500,
        "calls per second for each agent, ingestor or the admin, in bursts of up to as many (per instance); "
        "past it `RATE_LIMITED`; `0` for no limit",
        at_least=0,
    )
    ingest_stream_window: int = setting(
        64,
        "customer messages one `StreamCustomerMessages` stream may have posted and not yet acknowledged; past it "
        "the server reads no more of that stream until acknowledgements go out",
        at_least=1,
        metavar="MESSAGES",
    )
    subscription_changes_per_minute: int = setting(
        60,
        "Subscribe and Unsubscribe calls a minute for each agent, in bursts of up to as many (per instance); "
        "past it `RATE_LIMITED`; `0` for no limit. Each change makes the agent's open `WatchLists` streams read "
        "and send the List's snapshot",
        at_least=0,
    )
    activity_changes_per_minute: int = setting(
        60,
        "SetActivity and PostCustomerActivity calls a minute for each agent and each ingestor, in bursts of up to "
        "as many (per instance); past it `RATE_LIMITED`; `0` for no limit",
        at_least=0,
    )
    max_streams_per_agent: int = setting(
        100,
        "streams each agent (and each ingestor) may hold open at once; past it `TOO_MANY_STREAMS`; `0` for no limit",
        at_least=0,
    )
    shutdown_grace: float = setting(5.0, "seconds that in-flight calls get to finish at shutdown", at_least=0)
    event_retention_seconds: float = setting(
        7.0 * 24 * 3600,
        "how long events are kept for resuming streams; an older resume token gets a fresh snapshot flagged `reset`",
        above=0,
        default_note="7 days",
    )
    audit_retention_seconds: float = setting(
        365.0 * 24 * 3600,
        "how long audit records (AdminService.ListAuditRecords) are kept; older ones are deleted",
        above=0,
        default_note="365 days",
    )
    stream_buffer_events: int = setting(
        1024,
        "events a stream may hold for a client that reads too slowly before it is cut off (`SLOW_CONSUMER`)",
        at_least=1,
    )
    max_catch_ups_per_principal: int = setting(
        4,
        "streams of one agent or ingestor that may read missed events from the table at once (a stream resumed "
        "from an old token catches up there); the others wait their turn; `0` for no limit",
        at_least=0,
    )
    supervisor_refresh_seconds: float = setting(
        1.0,
        "how often at most a supervisor's `WatchQueues` sends one List's figures, and `WatchAgents` one agent's "
        "status, while changes keep coming; the first change after a quiet interval is sent at once",
        above=0,
    )
    keepalive_seconds: float = setting(
        30.0,
        "idle time after which the server pings a connection, so quiet streams survive proxies and dead clients "
        "are noticed",
        at_least=1,
    )
    keepalive_timeout_seconds: float = setting(
        20.0,
        "how long a ping may go unanswered before the connection is closed: a dead or stopped client is noticed "
        "within keepalive plus this (50 s by default)",
        at_least=1,
    )
    max_streams_per_connection: int = setting(
        200,
        "calls one connection may have open at once (HTTP/2 streams); a client's further calls wait for one to end",
        at_least=1,
    )
    max_concurrent_rpcs: int = setting(
        10_000,
        "calls the server runs at once, open streams and health checks included; past it `RESOURCE_EXHAUSTED` "
        "from gRPC itself",
        at_least=1,
    )
    connection_idle_seconds: float = setting(
        300.0,
        "a connection with no call open for this long is closed (clients reconnect when they next call)",
        above=0,
    )
    connection_age_seconds: float = setting(
        3600.0,
        "a connection older than this is asked to reconnect (HTTP/2 GOAWAY): load spreads over new instances, "
        "and no connection lives for ever",
        above=0,
    )
    connection_age_grace_seconds: float = setting(
        60.0,
        "how long the calls of such a connection may go on; then its streams end `UNAVAILABLE` and clients "
        "resume them",
        at_least=0,
    )
    failed_logins_per_minute: int = setting(
        60,
        "calls with a missing or unknown token from one address a minute, in bursts of up to as many, before "
        "every call from that address is refused `RATE_LIMITED` until the budget refills; `0` for no limit",
        at_least=0,
    )
    metrics_cache_seconds: float = setting(
        5.0,
        "how long one scrape's database figures (open requests, oldest UNREAD, customers waiting) serve the next"
        " scrapes",
        at_least=0,
    )
    metrics_max_connections: int = setting(
        16, "connections the metrics endpoint serves at once; more are closed unanswered", at_least=1
    )
    web_listen: str | None = setting(
        None,
        "serve the browser desk at `http://HOST:PORT/` (`https` with the TLS settings), and the services there "
        "over Connect and gRPC-Web, forwarded to this gRPC server; port 0 picks a free port (the log says which)",
        metavar="HOST:PORT",
        default_note="no web endpoint",
    )

    def admin_token_path(self) -> Path:
        """Beside the SQLite file; in the working directory for a server database."""
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return Path(url.database).resolve().with_name(ADMIN_TOKEN_FILE)
        return Path.cwd() / ADMIN_TOKEN_FILE


@dataclass(frozen=True)
class Setting:
    """A field of `Settings` with its declaration: what each source calls it, and how a value is checked."""

    name: str
    kind: type
    default: object
    declaration: Declaration

    @property
    def variable(self) -> str:
        return ENVIRONMENT_PREFIX + self.name.upper()

    @property
    def flag(self) -> str:
        return self.declaration.flag or "--" + self.name.replace("_", "-")

    @property
    def metavar(self) -> str:
        return self.declaration.metavar or {int: "N", float: "SECONDS"}.get(self.kind, "VALUE")

    def requirement(self) -> str:
        """What a value must be, in words."""
        declaration = self.declaration
        if declaration.choices:
            return "one of " + ", ".join(declaration.choices)
        if self.kind is str:
            return "a non-empty text"
        described = "a whole number" if self.kind is int else "a number"
        low, high = declaration.at_least, declaration.at_most
        if low is not None and high is not None:
            return f"{described} from {_number(low)} to {_number(high)}"
        if low is not None:
            return f"{described}, at least {_number(low)}"
        if declaration.above is not None:
            return f"{described} above {_number(declaration.above)}"
        return described

    def parse(self, raw: object, source: str) -> object:
        """`raw` as this setting's type (text from a flag or a variable, a TOML value from the config file)."""
        value = self._convert(raw)
        if value is None or not self._in_range(value):
            raise SettingError(f"{source} must be {self.requirement()}, not {raw!r}")
        return value

    def _convert(self, raw: object) -> object:
        if isinstance(raw, bool):
            return None
        if self.kind is str:
            if not isinstance(raw, str) or raw == "":
                return None
            choices = self.declaration.choices
            if choices:
                return next((choice for choice in choices if choice.casefold() == raw.casefold()), None)
            return raw
        if self.kind is int and isinstance(raw, int):
            return raw
        if self.kind is float and isinstance(raw, int | float):
            return float(raw) if math.isfinite(raw) else None
        if not isinstance(raw, str):
            return None
        try:
            number = self.kind(raw)
        except ValueError:
            return None
        return number if math.isfinite(number) else None

    def _in_range(self, value: object) -> bool:
        if not isinstance(value, int | float):
            return True
        declaration = self.declaration
        return not (
            (declaration.at_least is not None and value < declaration.at_least)
            or (declaration.above is not None and value <= declaration.above)
            or (declaration.at_most is not None and value > declaration.at_most)
        )


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _declared_settings() -> tuple[Setting, ...]:
    hints = typing.get_type_hints(Settings)
    declared = []
    for declared_field in fields(Settings):
        hint = hints[declared_field.name]
        # `str | None` is a str setting that may be unset.
        kind = next((arg for arg in typing.get_args(hint) if arg is not types.NoneType), hint)
        declared.append(
            Setting(declared_field.name, kind, declared_field.default, declared_field.metadata[_DECLARATION])
        )
    return tuple(declared)


SETTINGS = _declared_settings()
SETTINGS_BY_NAME = {declared.name: declared for declared in SETTINGS}


def add_flags(parser: argparse.ArgumentParser, settings: Iterable[Setting]) -> None:
    """A flag for each setting; its value is checked by `load`, like a variable's, so both fail alike."""
    for declared in settings:
        default = "unset" if declared.default is None else _number_or_text(declared.default)
        meaning = declared.declaration.meaning.replace("`", "").replace("%", "%%")
        parser.add_argument(
            declared.flag,
            dest=declared.name,
            metavar=declared.metavar,
            help=f"{meaning} (env {declared.variable}; default {default})",
        )


def _number_or_text(value: object) -> str:
    return _number(value) if isinstance(value, float) else str(value)


def read_config_file(path: str) -> dict[str, object]:
    """The settings of a TOML file, keyed by field name; an unknown key is an error, not silently ignored."""
    try:
        with open(path, "rb") as file:
            values = tomllib.load(file)
    except OSError as error:
        raise SettingError(f"--config {path}: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise SettingError(f"--config {path}: not TOML: {error}") from error
    for key in values:
        if key not in SETTINGS_BY_NAME:
            close = difflib.get_close_matches(key, SETTINGS_BY_NAME, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise SettingError(f"{key} in {path} is not a setting{hint}")
    return values


def load(flags: Mapping[str, str | None], environment: Mapping[str, str], config_file: str | None = None) -> Settings:
    """Each setting from its flag, else its variable (empty counts as unset), else the config file, else its
    default; then the settings that need others are checked."""
    from_file = read_config_file(config_file) if config_file else {}
    values: dict[str, object] = {}
    for declared in SETTINGS:
        flag = flags.get(declared.name)
        variable = environment.get(declared.variable)
        if flag is not None:
            values[declared.name] = declared.parse(flag, declared.flag)
        elif variable:
            values[declared.name] = declared.parse(variable, declared.variable)
        elif declared.name in from_file:
            values[declared.name] = declared.parse(from_file[declared.name], f"{declared.name} in {config_file}")
    settings = Settings(**values)  # type: ignore[arg-type]
    _check_needs(settings)
    return settings


def _check_needs(settings: Settings) -> None:
    for declared in SETTINGS:
        if getattr(settings, declared.name) is None:
            continue
        missing = [SETTINGS_BY_NAME[name] for name in declared.declaration.needs if getattr(settings, name) is None]
        if missing:
            flags = " and ".join(needed.flag for needed in missing)
            variables = ", ".join(named.variable for named in (declared, *missing))
            raise SettingError(f"{declared.flag} needs {flags} (variables {variables})")
