"""Engagement: consultations, complaints, the leader mailbox and 好差评 ratings."""
