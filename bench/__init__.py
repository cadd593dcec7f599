"""`make bench`: MSK-shaped batches through the batch processor against the local Postgres and Kafka."""
