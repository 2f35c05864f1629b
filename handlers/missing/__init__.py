"""What is missing (/ausstehend): open reports per period, nudges, extensions, closing a period,
and days without obligations (waivers)."""
