"""`make coldstart`'s first floor: a handler that imports nothing, so its INIT is the interpreter and the runtime."""


def lambda_handler(event: object, context: object) -> None:
    """Never invoked: only INIT is measured."""
