"""Members: the list of members (/mitglieder) and invitations (/einladen)."""
