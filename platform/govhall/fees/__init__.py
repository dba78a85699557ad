"""Fees (收费): assessment from declared rules with their legal basis."""
