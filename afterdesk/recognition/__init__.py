"""Recognition: monthly awards from the KPIs, badges, announcements and the monthly email
(docs/recognition.md)."""
