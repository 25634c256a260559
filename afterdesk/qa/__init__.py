"""Quality reviews: rubrics, sampled queues, reviews on the ticket page, disputes and
calibration (docs/qa.md)."""
