"""Who learns of changes to customers: `customer_tags_changed`, called in the transaction of
`commerce.services.customer_tags_set` with `customer` (the saved Customer). The SLA app
recomputes the deadlines of the customer's tickets there (`sla.apps`): its policies may
match on the customer's tags."""

from __future__ import annotations

from afterdesk.core.consumers import ConsumerRegistry

customer_tags_changed = ConsumerRegistry("customer tags changed")
