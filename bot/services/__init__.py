"""The domain: plain async functions (session, values) -> small typed results. No `telegram`."""
