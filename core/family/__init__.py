"""Families: parents, their accounts and consent, their children, a teen's own account, follows."""
