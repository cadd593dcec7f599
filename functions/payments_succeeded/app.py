"""PaymentsSucceededFunction - marks orders paid and publishes orders.paid; consumes payments.succeeded."""

from order_core.entrypoints.kafka import kafka_handler
from order_core.topics import Topic

lambda_handler = kafka_handler(Topic.PAYMENTS_SUCCEEDED)
