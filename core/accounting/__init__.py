"""Accounting: funding periods, the month close, the new school year."""
