"""Message intelligence on arrival, before routing: language, issue type, risk and a suggested
priority, each with its reason (docs/triage.md). Pure logic: imports nothing from the desk."""
