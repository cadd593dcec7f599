"""The service layer: applies batches of Kafka records and API commands through a unit of work."""
