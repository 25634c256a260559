"""Fixtures of the channel tests: the real mail servers (tests/channels/servers.py)."""

from tests.channels.servers import certificate, dovecot, smtp_server

__all__ = ["certificate", "dovecot", "smtp_server"]
