"""Entry-point helpers shared by the functions of the SAM application.

Each `functions/<name>/app.py` builds its `lambda_handler` with one call to a factory here, so the
observability setup, the error mapping and the response shaping exist once.
"""
