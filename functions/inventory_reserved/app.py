"""InventoryReservedFunction - moves paid orders to processing; consumes inventory.reserved."""

from order_core.entrypoints.kafka import kafka_handler

lambda_handler = kafka_handler("inventory.reserved")
