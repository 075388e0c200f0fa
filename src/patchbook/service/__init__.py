"""Use cases that tie the stages to the store: the one place that calls store + stages together."""
