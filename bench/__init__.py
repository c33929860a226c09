"""`make bench`: throughput, fan-out latency, resume catch-up and memory of pullrouting, each beside the same
figure for a bare grpc.aio server with no logic, measured in the same run. A client of the public API; not
part of the test suite."""
