"""Command-line options the client programs share: where the server is and how to reach it."""

import argparse
import os
from pathlib import Path

import grpc

from pullrouting_client.connection import connect

DEFAULT_ADDRESS = "127.0.0.1:50051"


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--address",
        default=os.environ.get("PULLROUTING_ADDRESS", DEFAULT_ADDRESS),
        help=f"server HOST:PORT (env PULLROUTING_ADDRESS; default {DEFAULT_ADDRESS})",
    )
    parser.add_argument("--tls", action="store_true", help="use TLS, trusting the system's certificate authorities")
    parser.add_argument("--ca-cert", type=Path, help="use TLS, trusting this CA certificate (PEM)")


def open_channel(args: argparse.Namespace, token: str) -> grpc.aio.Channel:
    root_certificates = args.ca_cert.read_bytes() if args.ca_cert else None
    return connect(args.address, token, tls=args.tls, root_certificates=root_certificates)
