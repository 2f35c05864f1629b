"""`gwbot`: the command line (bot.cli.main parses it; one module per command group)."""
