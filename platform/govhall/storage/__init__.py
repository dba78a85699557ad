"""storage domain."""
