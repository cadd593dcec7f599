"""What bench/__main__.py imports, until it imports samples/ itself (the lead switches it with the performance work).

Tests import samples/ directly; delete this module once bench does too.
"""

from samples.msk import Batch
from samples.payloads import created, out_of_stock, paid, payment_failed, reserved

__all__ = ["Batch", "created", "out_of_stock", "paid", "payment_failed", "reserved"]
