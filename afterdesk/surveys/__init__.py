"""CSAT surveys: a signed link, a public page, the rating as a `csat` event (docs/surveys.md)."""
