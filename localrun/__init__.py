"""Run the functions of template.yaml locally: Kafka event-source mappings, the REST API and schedules."""
