"""The PTB adapters: context, identity and role guards, conversations and their persistence,
update processing, commit, webhook, rate limit, error handler, the runner."""
