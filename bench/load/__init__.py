"""The load test (`make load`): 50 simulated agents against gunicorn and a huey worker, while a
history import and the alert sweep run. See bench/README.md, "Load test"."""
