"""workflow domain."""
