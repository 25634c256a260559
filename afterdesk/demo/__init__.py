"""Deterministic demo data (`afterdesk demo`) and the benchmarks (`afterdesk bench`)."""
