"""The outbox: what must reach which family, written in the transaction of the change,
and its delivery."""
