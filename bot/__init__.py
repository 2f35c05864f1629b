"""Composition root: configuration, CLI, build_application(), i18n, logging, PTB adapters."""
