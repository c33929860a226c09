"""Running it: metrics, logs, and the stale-request reminder scheduler."""
