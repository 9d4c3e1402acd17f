"""The catalogue: providers, programmes, groups, their imports and the views families read."""
