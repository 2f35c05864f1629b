"""Broadcasts: sending, confirmations, the news of a member."""
