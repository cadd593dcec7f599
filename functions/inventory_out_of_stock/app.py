"""InventoryOutOfStockFunction - cancels orders and publishes orders.cancelled; consumes inventory.out_of_stock."""

from order_core.entrypoints.kafka import kafka_handler
from order_core.topics import Topic

lambda_handler = kafka_handler(Topic.INVENTORY_OUT_OF_STOCK)
