"""Telegram adapters, one package per chat feature (handlers/<feature>/): parse the update, call
one service, render with translations and a keyboard builder. No SQL here. The composition root
(bot.registry, bot.app, bot.runtime) and the timed work (bot.scheduling) import the features."""
