"""Benchmarks behind `afterdesk bench`: history import throughput and inbox latency.

Every measurement runs in a child process whose DATABASE_URL points at a throwaway benchmark
database (a SQLite file under bench/out/, or the PostgreSQL database `afterdesk_bench`), never
at the user's database; the child prints its figures as one JSON object.
"""

# The targets of the issue, printed beside the figures.
IMPORT_TARGET_EVENTS_PER_SECOND = 20_000
IMPORT_TARGET_RSS_MB = 500
INBOX_TARGET_P95_MS = 50
