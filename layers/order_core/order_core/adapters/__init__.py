"""Adapters: Postgres (repository, unit of work, queries), Kafka (outbox publishing), AWS secrets."""
