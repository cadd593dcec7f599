"""Kafka event contracts, the seed's topics and JSON fields byte for byte (docs/asyncapi.yaml describes them).

`inbound`: the events this service reads (tolerant readers). `outbound`: the events it publishes, their
headers, and the topic and `event_type` of each.
"""
