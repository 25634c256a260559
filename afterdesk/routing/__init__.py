"""Routing rules and automatic assignment inside a team, each decision an event with its
reason (docs/routing.md)."""
