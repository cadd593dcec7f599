"""OrdersCreatedFunction - acknowledges new orders (no status change); consumes orders.created."""

from order_core.entrypoints.kafka import kafka_handler
from order_core.topics import Topic

lambda_handler = kafka_handler(Topic.ORDERS_CREATED)
