"""Returns from request to refund: RMA cases, policies, retention offers, warehouse check-in
and platform refunds (docs/returns.md)."""
