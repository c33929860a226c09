"""`pullrouting serve` and `pullrouting migrate`."""

import argparse
import asyncio
import logging

from pullrouting import server
from pullrouting.settings import Settings
from pullrouting.store import migrate
from pullrouting.store.database import create_database_engine


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pullrouting", description="Pull-mode routing for contact centres.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the gRPC server")
    serve.add_argument("--listen", help="HOST:PORT to listen on (env PULLROUTING_LISTEN; default 127.0.0.1:50051)")
    migrate_parser = commands.add_parser("migrate", help="bring the database schema up to date and exit")
    for command in (serve, migrate_parser):
        command.add_argument(
            "--database",
            dest="database_url",
            help="SQLAlchemy URL (env PULLROUTING_DATABASE_URL; default sqlite:///pullrouting.db)",
        )
        command.add_argument("--log-level", help="DEBUG, INFO, WARNING or ERROR (env PULLROUTING_LOG_LEVEL)")
    return parser


def main(argv: list[str] | None = None) -> None:
    arguments = vars(_parser().parse_args(argv))
    command = arguments.pop("command")
    settings = Settings.from_environment(**arguments)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if command == "migrate":
        migrate.upgrade(create_database_engine(settings.database_url))
        logging.getLogger("pullrouting").info("schema is up to date")
    else:
        asyncio.run(server.serve(settings))
