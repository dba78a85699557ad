"""notify domain."""
