"""Server settings: command-line flags, else environment variables, else the embedded defaults."""

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from pullrouting.store.database import DEFAULT_DATABASE_URL

DEFAULT_LISTEN = "127.0.0.1:50051"
ADMIN_TOKEN_FILE = "pullrouting-admin-token"


@dataclass(frozen=True)
class Settings:
    listen: str = DEFAULT_LISTEN
    database_url: str = DEFAULT_DATABASE_URL
    # None: read or create the admin token file beside the database.
    admin_token: str | None = None
    log_level: str = "INFO"
    # Seconds that in-flight RPCs get to finish at shutdown.
    shutdown_grace: float = 5.0

    @classmethod
    def from_environment(cls, **overrides: object) -> "Settings":
        values: dict[str, object] = {
            "listen": os.environ.get("PULLROUTING_LISTEN", DEFAULT_LISTEN),
            "database_url": os.environ.get("PULLROUTING_DATABASE_URL", DEFAULT_DATABASE_URL),
            "admin_token": os.environ.get("PULLROUTING_ADMIN_TOKEN") or None,
            "log_level": os.environ.get("PULLROUTING_LOG_LEVEL", "INFO"),
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)  # type: ignore[arg-type]

    def admin_token_path(self) -> Path:
        """Beside the SQLite file; in the working directory for a server database."""
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return Path(url.database).resolve().with_name(ADMIN_TOKEN_FILE)
        return Path.cwd() / ADMIN_TOKEN_FILE
