"""The `afterdesk` command: Django's management commands under one name.

`afterdesk serve`, `afterdesk worker`, `afterdesk demo`, `afterdesk history import|export`,
`afterdesk bench …` and every Django command (`afterdesk migrate`, `afterdesk createsuperuser`).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "afterdesk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["afterdesk", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
