"""`python -m bench.load.prepare AGENTS.json --agents N --password P`: the load test's agents.

Creates N agents (`load.agent01` …) spread over the demo's teams, each with the given password
and a bearer token of its own, and writes `[{"username", "token"}, …]` to AGENTS.json. Runs
against the database of DATABASE_URL / AFTERDESK_DATA_DIR (the runner's throwaway one).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--password", required=True)
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "afterdesk.settings")
    import django

    django.setup()
    from afterdesk.accounts.models import Team
    from afterdesk.accounts.services import agent_upsert, api_token_create

    teams = list(Team.objects.order_by("name").values_list("name", flat=True))
    if not teams:
        raise SystemExit("no teams: load the demo first")
    agents = []
    for number in range(1, options.agents + 1):
        user = agent_upsert(
            username=f"load.agent{number:02d}",
            name=f"Load agent {number}",
            position="first_line",
            team=teams[number % len(teams)],
            languages=["en"],
            password=options.password,
        )
        _, raw = api_token_create(user=user, name="load test")
        agents.append({"username": user.username, "token": raw})
    options.out.write_text(json.dumps(agents, indent=1) + "\n")
    print(f"{len(agents)} agents in {len(teams)} teams")


if __name__ == "__main__":
    main()
