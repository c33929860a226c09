"""SIGTERM drains a real `pullrouting serve` process: the calls in flight finish, new calls are refused with
UNAVAILABLE (which clients retry elsewhere), none is cancelled."""

import asyncio
import signal

import grpc
from processes import STOP_DEADLINE, clean_environment, serving, sqlite_url_for
from scenario import create_scenario
from support import ADMIN_TOKEN, Server, error_reason, within

CALLERS = 100


async def test_sigterm_lets_calls_in_flight_finish_and_refuses_new_ones_with_unavailable(tmp_path):
    args = ["--listen", "127.0.0.1:0", "--database", sqlite_url_for(tmp_path / "pullrouting.db")]
    env = clean_environment(PULLROUTING_ADMIN_TOKEN=ADMIN_TOKEN, PULLROUTING_RATE_LIMIT_PER_SECOND="0")
    with serving(args, tmp_path, env) as process:
        client = Server(process.address, "", None, [])
        try:
            scenario = await create_scenario(client, agents=0)
            calls = 0
            busy = asyncio.Event()

            async def call_until_refused(number: int) -> grpc.aio.AioRpcError:
                """Posts one customer message after another; returns the first failure."""
                nonlocal calls
                while True:
                    try:
                        await scenario.post(customer_id=f"customer-{number}")
                    except grpc.aio.AioRpcError as error:
                        return error
                    calls += 1
                    if calls >= 2 * CALLERS:
                        busy.set()

            callers = [asyncio.create_task(call_until_refused(number)) for number in range(CALLERS)]
            # Every caller has a call in flight from here on, until its first failure.
            await within(60, busy.wait())
            process.process.send_signal(signal.SIGTERM)
            failures = await within(60, asyncio.gather(*callers))
            assert process.process.wait(timeout=STOP_DEADLINE) == 0
        finally:
            for channel in client.channels:
                await channel.close()

    codes = {failure.code() for failure in failures}
    assert codes == {grpc.StatusCode.UNAVAILABLE}, [(f.code(), f.details()) for f in failures]
    # Calls that reached the draining server were refused with the documented reason; any later found no server.
    refused = [f for f in failures if "shutting down" in (f.details() or "")]
    assert refused
    assert {error_reason(f) for f in refused} == {"SERVER_SHUTTING_DOWN"}
    assert "Traceback" not in process.log()
