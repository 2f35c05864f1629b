"""The export kinds the chat and the CLI offer, and the date ranges they cover."""
