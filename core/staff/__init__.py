"""Staff: roles granted and revoked."""
