"""OrdersCreatedFunction - acknowledges new orders (no status change); consumes orders.created."""

from order_core.entrypoints.kafka import kafka_handler

lambda_handler = kafka_handler("orders.created")
