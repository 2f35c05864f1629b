"""The timed work (bot.scheduling.jobs) and the one list of schedule hooks
(bot.scheduling.hooks)."""
