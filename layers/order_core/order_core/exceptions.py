"""Errors raised by order_core. Entry points map them to HTTP or to Lambda batch responses in one place."""

from __future__ import annotations

from uuid import UUID


class OrderCoreError(Exception):
    """Base class of every error order_core raises on purpose."""


class OrderNotFound(OrderCoreError):
    """No (undeleted) order has this id."""

    def __init__(self, order_id: UUID) -> None:
        super().__init__(f"order {order_id} not found")
        self.order_id = order_id


class TransitionRejected(OrderCoreError):
    """The state machine refuses this action from the order's current status."""

    def __init__(self, order_id: UUID, current_status: str, action: str, detail: str) -> None:
        super().__init__(detail)
        self.order_id = order_id
        self.current_status = current_status
        self.action = action


class InvalidCursor(OrderCoreError):
    """A pagination cursor that this service did not issue."""


class TransientError(OrderCoreError):
    """A failure worth retrying as is: database unreachable, serialization failure, deadlock, lock timeout."""


class WriteRejected(OrderCoreError):
    """The database refused a write because of the data in it (a value it cannot store, a constraint)."""


class ConfigurationError(OrderCoreError):
    """A required setting is missing or malformed."""
