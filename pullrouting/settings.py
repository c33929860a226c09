"""Server settings: command-line flags, else environment variables, else the embedded defaults."""

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from pullrouting.store.database import DEFAULT_DATABASE_URL

DEFAULT_LISTEN = "127.0.0.1:50051"
ADMIN_TOKEN_FILE = "pullrouting-admin-token"


def _float_env(name: str) -> float | None:
    value = os.environ.get(name)
    return float(value) if value else None


def _int_env(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value else None


@dataclass(frozen=True)
class Settings:
    listen: str = DEFAULT_LISTEN
    database_url: str = DEFAULT_DATABASE_URL
    # None: read or create the admin token file beside the database.
    admin_token: str | None = None
    log_level: str = "INFO"
    # "text" for people, "json" (one object a line) for log pipelines.
    log_format: str = "text"
    # HOST:PORT of the Prometheus metrics endpoint; None: no endpoint.
    metrics_address: str | None = None
    # How often each instance looks for UNREAD requests due a reminder (lists' unread_reminder_after).
    reminder_check_seconds: float = 5.0
    # PEM files; with both set the server speaks TLS instead of plaintext.
    tls_cert: str | None = None
    tls_key: str | None = None
    # PEM file of the CA that signs client certificates; when set, every client must present one (mutual TLS).
    tls_client_ca: str | None = None
    # OpenID Connect: agents may also present a JWT from this issuer, for this audience, signed by a key of the
    # JWKS (a file path or an https URL); the claim names the agent's id. Unset issuer: no JWTs.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks: str | None = None
    oidc_agent_claim: str = "sub"
    # Largest request message the server reads, in bytes.
    max_message_bytes: int = 1024 * 1024
    # Calls a second each agent, ingestor or the admin may make; 0 for no limit.
    rate_limit_per_second: int = 500
    # Streams each agent or ingestor may hold open at once; 0 for no limit.
    max_streams_per_agent: int = 100
    # Seconds that in-flight RPCs get to finish at shutdown.
    shutdown_grace: float = 5.0
    # How long events are kept for resuming streams; an older resume token gets a fresh snapshot.
    event_retention_seconds: float = 7 * 24 * 3600
    # Events a stream may have queued for a client that reads too slowly before it is cut off.
    stream_buffer_events: int = 1024
    # Idle time after which the server pings a connection.
    keepalive_seconds: float = 30.0

    @classmethod
    def from_environment(cls, **overrides: object) -> "Settings":
        values: dict[str, object] = {
            "listen": os.environ.get("PULLROUTING_LISTEN", DEFAULT_LISTEN),
            "database_url": os.environ.get("PULLROUTING_DATABASE_URL", DEFAULT_DATABASE_URL),
            "admin_token": os.environ.get("PULLROUTING_ADMIN_TOKEN") or None,
            "log_level": os.environ.get("PULLROUTING_LOG_LEVEL", "INFO"),
            "log_format": os.environ.get("PULLROUTING_LOG_FORMAT") or None,
            "metrics_address": os.environ.get("PULLROUTING_METRICS_ADDRESS") or None,
            "reminder_check_seconds": _float_env("PULLROUTING_REMINDER_CHECK_SECONDS"),
            "tls_cert": os.environ.get("PULLROUTING_TLS_CERT") or None,
            "tls_key": os.environ.get("PULLROUTING_TLS_KEY") or None,
            "tls_client_ca": os.environ.get("PULLROUTING_TLS_CLIENT_CA") or None,
            "oidc_issuer": os.environ.get("PULLROUTING_OIDC_ISSUER") or None,
            "oidc_audience": os.environ.get("PULLROUTING_OIDC_AUDIENCE") or None,
            "oidc_jwks": os.environ.get("PULLROUTING_OIDC_JWKS") or None,
            "oidc_agent_claim": os.environ.get("PULLROUTING_OIDC_AGENT_CLAIM") or None,
            "max_message_bytes": _int_env("PULLROUTING_MAX_MESSAGE_BYTES"),
            "rate_limit_per_second": _int_env("PULLROUTING_RATE_LIMIT_PER_SECOND"),
            "max_streams_per_agent": _int_env("PULLROUTING_MAX_STREAMS_PER_AGENT"),
            "event_retention_seconds": _float_env("PULLROUTING_EVENT_RETENTION_SECONDS"),
            "stream_buffer_events": _int_env("PULLROUTING_STREAM_BUFFER_EVENTS"),
            "keepalive_seconds": _float_env("PULLROUTING_KEEPALIVE_SECONDS"),
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        # Unset flags and variables leave the defaults.
        return cls(**{key: value for key, value in values.items() if value is not None})  # type: ignore[arg-type]

    def admin_token_path(self) -> Path:
        """Beside the SQLite file; in the working directory for a server database."""
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return Path(url.database).resolve().with_name(ADMIN_TOKEN_FILE)
        return Path.cwd() / ADMIN_TOKEN_FILE
