"""Settings (/einstellungen) and one's own data (/meinedaten: see it, leave)."""
