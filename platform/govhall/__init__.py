"""govhall: a multi-tenant online administrative approval platform (网上审批)."""

__version__ = "0.1.0"
