"""Log output on standard error: text lines for people, or JSON lines (one object a line) for log pipelines.
Fields given as `extra` (an RPC's method, code, duration_ms, principal) become keys of the JSON object."""

import logging

from pythonjsonlogger.json import JsonFormatter

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    return logging.Formatter(TEXT_FORMAT)


def configure(level: str, log_format: str) -> None:
    """Replaces any earlier set-up: one handler, on standard error, in `log_format`. Neither format shows
    where a line was logged from, nor the thread or process: every record (one for each RPC) skips finding
    them, as the logging HOWTO's "Optimization" section describes."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(log_format))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
