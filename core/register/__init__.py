"""The certificate register: one child, one certificate for life; its imports and the
tries to link a number."""
