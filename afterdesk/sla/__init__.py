"""SLA clocks on business hours: policies, deadlines from the event log, the sweep (docs/sla.md)."""
