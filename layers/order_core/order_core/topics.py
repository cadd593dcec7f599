"""Every Kafka topic this service reads or writes, declared once.

The topic names are a contract with the rest of the shop (the seed's names, byte for byte). Code,
tests, the local stack and the AsyncAPI document take them from here; template.yaml, which cannot
import Python, is checked against this module by a test.
"""

from __future__ import annotations

from enum import StrEnum


class Topic(StrEnum):
    """A Kafka topic of the order service."""

    ORDERS_CREATED = "orders.created"
    PAYMENTS_SUCCEEDED = "payments.succeeded"
    PAYMENTS_FAILED = "payments.failed"
    INVENTORY_RESERVED = "inventory.reserved"
    INVENTORY_OUT_OF_STOCK = "inventory.out_of_stock"
    ORDERS_PAID = "orders.paid"
    ORDERS_CANCELLED = "orders.cancelled"
    ORDERS_SHIPPED = "orders.shipped"
    # Where the event source mappings put batches that exhausted their retries.
    ON_FAILURE = "order-service.dlq"


INBOUND_TOPICS = (
    Topic.ORDERS_CREATED,
    Topic.PAYMENTS_SUCCEEDED,
    Topic.PAYMENTS_FAILED,
    Topic.INVENTORY_RESERVED,
    Topic.INVENTORY_OUT_OF_STOCK,
)
OUTBOUND_TOPICS = (Topic.ORDERS_PAID, Topic.ORDERS_CANCELLED, Topic.ORDERS_SHIPPED)


def consumer_group(topic: Topic) -> str:
    """The consumer group of the function that reads `topic` (`order-service.payments-succeeded`)."""
    return "order-service." + topic.value.replace(".", "-").replace("_", "-")
