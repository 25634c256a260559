"""In-app notifications and their emails: @mentions, escalations, breaches
(docs/notifications.md)."""
