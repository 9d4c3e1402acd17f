"""The money ledger: append-only entries with a unique key; a balance is their sum."""
