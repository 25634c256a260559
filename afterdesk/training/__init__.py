"""Training and certification: courses, exams, scenario drills and certifications
(docs/training.md)."""
