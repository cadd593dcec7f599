"""Sample data, one home per fact: seed-shaped payloads, MSK batches and orders, for the tests, bench and the demo."""
