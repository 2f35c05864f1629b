"""The outbox: the dispatcher that sends due deliveries, and the worker process around it."""
