"""Afterdesk: the after-sales desk for cross-border e-commerce sellers."""
