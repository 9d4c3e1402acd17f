"""Pure rules: no I/O, no framework. Each raises DomainError with a code."""
