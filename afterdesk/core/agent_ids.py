"""The agent id alphabet (docs/history.md, "Entity lines"; docs/api.md, "Agent ids").

An agent id is a username: letters, digits and `. _ - @ +`, 1 to 150 characters, the rule of
Django's usernames (`UnicodeUsernameValidator`, which the admin and `createsuperuser` apply), so
an id from a history file, the API or the admin is one the URLs that carry it can hold.
"""

from __future__ import annotations

import re

AGENT_ID_MAX_LENGTH = 150
AGENT_ID_RULE = "letters, digits and . _ - @ + only, 1 to 150 characters"
_AGENT_ID = re.compile(r"[\w.@+-]{1,150}")


def is_agent_id(value: str) -> bool:
    return _AGENT_ID.fullmatch(value) is not None


def agent_id_check(value: str) -> str:
    """Return `value` when it is a valid agent id; raise ValueError naming the rule otherwise."""
    if not is_agent_id(value):
        raise ValueError(f"{value!r} is not a valid agent id ({AGENT_ID_RULE})")
    return value
