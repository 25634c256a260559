"""Inbound email: storing, parsing, threading, and what outgoing replies carry."""
