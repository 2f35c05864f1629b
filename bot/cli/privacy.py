"""`gwbot privacy init`: the key for anonymous concerns and pulse surveys (DESIGN section 6).

The key is printed once and stored nowhere by the bot: whoever runs the initiative keeps it in
the configuration. Replacing it later makes existing receipt codes and sealed chat references
unreadable, so an existing key is never replaced silently.
"""

from __future__ import annotations

import sys

from bot.config import Settings
from bot.services.privacy_crypto import generate_key


def init_key(settings: Settings) -> int:
    if settings.privacy.key is not None:
        print(
            "gwbot: a [privacy] key is already configured. Replacing it would make every "
            "receipt code and notification of anonymous concerns unreadable; remove it "
            "yourself first if you really want a new one.",
            file=sys.stderr,
        )
        return 2
    key = generate_key()
    print("A new privacy key. It is shown only now; keep it secret and keep a copy.")
    print("Either put this into config.toml:")
    print()
    print("[privacy]")
    print(f'key = "{key}"')
    print()
    print("or set this environment variable:")
    print()
    print(f"GWBOT_PRIVACY__KEY={key}")
    return 0
