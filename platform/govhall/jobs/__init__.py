"""Background jobs: one interface, an in-process runner and an RQ implementation."""
