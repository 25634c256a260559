"""The performance pages (htmx UI): scorecards, leaderboards, segments, self-service,
scorecard templates and settings. Every view asks `access.page_access` first (the rule
itself: `metrics.access`)."""
