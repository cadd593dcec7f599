"""PaymentsSucceededFunction - marks orders paid and publishes orders.paid; consumes payments.succeeded."""

from order_core.entrypoints.kafka import kafka_handler

lambda_handler = kafka_handler("payments.succeeded")
