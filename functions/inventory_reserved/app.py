"""InventoryReservedFunction - moves paid orders to processing; consumes inventory.reserved."""

from order_core.entrypoints.kafka import kafka_handler
from order_core.topics import Topic

lambda_handler = kafka_handler(Topic.INVENTORY_RESERVED)
