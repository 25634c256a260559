"""The performance pages (htmx UI): scorecards, leaderboards, segments, self-service,
scorecard templates and settings. Every view asks `access.access_require` first."""
