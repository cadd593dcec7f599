"""InventoryOutOfStockFunction - cancels orders and publishes orders.cancelled; consumes inventory.out_of_stock."""

from order_core.entrypoints.kafka import kafka_handler

lambda_handler = kafka_handler("inventory.out_of_stock")
