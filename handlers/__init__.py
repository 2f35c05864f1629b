"""Telegram adapters, one module per chat feature: parse the update, call one service, render
with translations and a keyboard builder. No SQL here. Only bot.registry imports this package."""
