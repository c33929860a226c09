"""Reading a test server's Prometheus endpoint."""

import asyncio
import urllib.request

from prometheus_client.parser import text_string_to_metric_families
from support import Server

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(server: Server) -> Samples:
    """Every sample of the server's metrics endpoint, by name and labels."""
    return await scrape_port(server.running.metrics_server.port)


async def scrape_port(port: int) -> Samples:
    """Every sample of the metrics endpoint on `port`, by name and labels."""
    url = f"http://127.0.0.1:{port}/metrics"

    def fetch() -> str:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode()

    text = await asyncio.to_thread(fetch)
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample; a KeyError when the series does not exist at all."""
    return samples[name, frozenset(labels.items())]
