"""Certificates: issue, funding queue, МОЦ confirmations and corrections, statements."""
