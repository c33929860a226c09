"""The rules of pull-mode routing: states, transitions and refusals. Pure Python: no gRPC, no SQL."""
