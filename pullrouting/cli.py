"""`pullrouting serve` and `pullrouting migrate`."""

import argparse
import asyncio
import logging
import os
import sys
from typing import NoReturn

from pullrouting import __version__, server
from pullrouting.ops import logs
from pullrouting.settings import SETTINGS, SettingError, add_flags, load
from pullrouting.store import migrate
from pullrouting.store.database import create_database_engine

PRECEDENCE = "A flag beats its environment variable, which beats the config file, which beats the default."


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line, like a bad setting's, instead of argparse's usage block."""
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pullrouting", description="Pull-mode routing for contact centres.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the gRPC server", description=PRECEDENCE)
    migrate_parser = commands.add_parser(
        "migrate", help="bring the database schema up to date and exit", description=PRECEDENCE
    )
    for command, settings in (
        (serve, SETTINGS),
        (migrate_parser, [declared for declared in SETTINGS if declared.declaration.migrate]),
    ):
        command.add_argument(
            "--config", metavar="FILE", help="a TOML file of settings, keyed by name (e.g. listen = \"0.0.0.0:50051\")"
        )
        add_flags(command, settings)
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = _parser()
    arguments = vars(parser.parse_args(argv))
    command = arguments.pop("command")
    config_file = arguments.pop("config")
    try:
        settings = load(arguments, os.environ, config_file)
    except SettingError as error:
        parser.exit(2, f"pullrouting {command}: {error}\n")
    logs.configure(settings.log_level, settings.log_format)
    if command == "migrate":
        migrate.upgrade(create_database_engine(settings.database_url))
        logging.getLogger("pullrouting").info("schema is up to date")
        return
    try:
        asyncio.run(server.serve(settings))
    except server.StartupError as error:
        sys.exit(f"pullrouting: {error}")
