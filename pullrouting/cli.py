"""`pullrouting serve` and `pullrouting migrate`."""

import argparse
import asyncio
import logging
import sys

from pullrouting import server
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
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = _parser()
    arguments = vars(parser.parse_args(argv))
    command = arguments.pop("command")
    settings = Settings.from_environment(**arguments)
    if settings.log_level.upper() not in LOG_LEVELS:
        parser.error(f"PULLROUTING_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {settings.log_level!r}")
    if (settings.tls_cert is None) != (settings.tls_key is None):
        parser.error("TLS needs both --tls-cert and --tls-key (or PULLROUTING_TLS_CERT and PULLROUTING_TLS_KEY)")
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if command == "migrate":
        migrate.upgrade(create_database_engine(settings.database_url))
        logging.getLogger("pullrouting").info("schema is up to date")
        return
    try:
        asyncio.run(server.serve(settings))
    except server.StartupError as error:
        sys.exit(f"pullrouting: {error}")
