"""Event-condition-action rules and time rules acting on tickets through the ticket services
(docs/automations.md)."""
