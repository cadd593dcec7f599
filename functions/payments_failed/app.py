"""PaymentsFailedFunction - marks orders payment_failed; consumes payments.failed."""

from order_core.entrypoints.kafka import kafka_handler

lambda_handler = kafka_handler("payments.failed")
