"""OutboxRelayFunction - every minute, publishes outbox rows left unpublished and reports the outbox lag."""

from order_core.entrypoints.relay import relay_handler

lambda_handler = relay_handler()
