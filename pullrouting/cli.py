"""`pullrouting serve` and `pullrouting migrate`."""

import argparse
import asyncio
import logging
import sys

from pullrouting import server
from pullrouting.ops import logs
from pullrouting.settings import Settings
from pullrouting.store import migrate
from pullrouting.store.database import create_database_engine

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pullrouting", description="Pull-mode routing for contact centres.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the gRPC server")
    serve.add_argument("--listen", help="HOST:PORT to listen on (env PULLROUTING_LISTEN; default 127.0.0.1:50051)")
    serve.add_argument(
        "--tls-cert", metavar="PEM", help="serve TLS with this certificate chain (env PULLROUTING_TLS_CERT)"
    )
    serve.add_argument("--tls-key", metavar="PEM", help="the certificate's private key (env PULLROUTING_TLS_KEY)")
    serve.add_argument(
        "--tls-client-ca",
        metavar="PEM",
        help="require client certificates signed by this CA (env PULLROUTING_TLS_CLIENT_CA)",
    )
    serve.add_argument(
        "--oidc-issuer", metavar="URL", help="accept agent JWTs from this issuer (env PULLROUTING_OIDC_ISSUER)"
    )
    serve.add_argument("--oidc-audience", help="the audience agent JWTs must carry (env PULLROUTING_OIDC_AUDIENCE)")
    serve.add_argument(
        "--oidc-jwks", metavar="FILE|URL", help="the issuer's signing keys, a JWKS (env PULLROUTING_OIDC_JWKS)"
    )
    serve.add_argument(
        "--oidc-agent-claim", metavar="CLAIM", help="the claim holding the agent id (env PULLROUTING_OIDC_AGENT_CLAIM)"
    )
    serve.add_argument(
        "--metrics-address",
        metavar="HOST:PORT",
        help="serve Prometheus metrics at http://HOST:PORT/metrics (env PULLROUTING_METRICS_ADDRESS; default off)",
    )
    migrate_parser = commands.add_parser("migrate", help="bring the database schema up to date and exit")
    for command in (serve, migrate_parser):
        command.add_argument(
            "--database",
            dest="database_url",
            help="SQLAlchemy URL (env PULLROUTING_DATABASE_URL; default sqlite:///pullrouting.db)",
        )
        command.add_argument(
            "--log-level", type=str.upper, choices=LOG_LEVELS, help="(env PULLROUTING_LOG_LEVEL; default INFO)"
        )
        command.add_argument(
            "--log-format",
            choices=logs.LOG_FORMATS,
            help="text, or JSON lines for log pipelines (env PULLROUTING_LOG_FORMAT; default text)",
        )
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = _parser()
    arguments = vars(parser.parse_args(argv))
    command = arguments.pop("command")
    settings = Settings.from_environment(**arguments)
    if settings.log_level.upper() not in LOG_LEVELS:
        parser.error(f"PULLROUTING_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {settings.log_level!r}")
    if settings.log_format not in logs.LOG_FORMATS:
        formats = ", ".join(logs.LOG_FORMATS)
        parser.error(f"PULLROUTING_LOG_FORMAT must be one of {formats}, not {settings.log_format!r}")
    if (settings.tls_cert is None) != (settings.tls_key is None):
        parser.error("TLS needs both --tls-cert and --tls-key (or PULLROUTING_TLS_CERT and PULLROUTING_TLS_KEY)")
    if settings.tls_client_ca is not None and settings.tls_cert is None:
        parser.error("--tls-client-ca needs --tls-cert and --tls-key")
    if settings.oidc_issuer is not None and (settings.oidc_audience is None or settings.oidc_jwks is None):
        parser.error("--oidc-issuer needs --oidc-audience and --oidc-jwks (or their PULLROUTING_OIDC_ variables)")
    logs.configure(settings.log_level, settings.log_format)
    if command == "migrate":
        migrate.upgrade(create_database_engine(settings.database_url))
        logging.getLogger("pullrouting").info("schema is up to date")
        return
    try:
        asyncio.run(server.serve(settings))
    except server.StartupError as error:
        sys.exit(f"pullrouting: {error}")
