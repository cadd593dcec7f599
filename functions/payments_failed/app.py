"""PaymentsFailedFunction - marks orders payment_failed; consumes payments.failed."""

from order_core.entrypoints.kafka import kafka_handler
from order_core.topics import Topic

lambda_handler = kafka_handler(Topic.PAYMENTS_FAILED)
