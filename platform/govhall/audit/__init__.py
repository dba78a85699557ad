"""audit domain: the append-only, hash-chained audit log."""
