"""Real-time messages between staff and comments on cases (R-W7)."""
