"""order_core: the order lifecycle (domain, contracts, Postgres and Kafka adapters, service layer).

Shared by every function of the SAM application as the OrderCoreLayer. Entry points call
`order_core.bootstrap.get_service()`; nothing here opens a connection at import time.
"""
