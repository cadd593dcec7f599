"""The demo: a few orders driven through the running service (`make demo`) or a deployed stack (`make aws-demo`)."""
