"""The writes of training, one module per part (docs/training.md)."""
