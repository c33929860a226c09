"""The event bus: one reader of the events table per process, fanning each event out to the open streams
that want it. Commits in this process wake it directly; on PostgreSQL, LISTEN/NOTIFY wakes it for commits
of other instances. A wake-up only says "read on": the table is the truth, so a lost wake-up loses nothing."""
