"""Create .env from .env.example with fresh SECRET_KEY, ENCRYPTION_KEYS and BATON_DEMO_SECRET.

Never overwrites a value: an existing .env only gains a generated setting it lacks.
"""

import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


GENERATED = {
    "SECRET_KEY": lambda: secrets.token_urlsafe(32),
    "ENCRYPTION_KEYS": lambda: Fernet.generate_key().decode(),
    "BATON_DEMO_SECRET": lambda: secrets.token_urlsafe(32),
}


def main() -> int:
    """Write .env, or add to an existing one the generated settings it lacks."""
    target = ROOT / ".env"
    if target.exists():
        text = target.read_text()
        missing = [name for name in GENERATED if f"\n{name}=" not in f"\n{text}"]
        if not missing:
            print(".env exists; leaving it as it is")
            return 0
        added = "".join(f"{name}={GENERATED[name]()}\n" for name in missing)
        target.write_text(text.rstrip("\n") + "\n" + added)
        print(f".env exists; added {', '.join(missing)}")
        return 0
    lines = []
    for line in (ROOT / ".env.example").read_text().splitlines():
        name = line.removesuffix("=")
        lines.append(
            f"{name}={GENERATED[name]()}" if name in GENERATED and line.endswith("=") else line
        )
    target.write_text("\n".join(lines) + "\n")
    target.chmod(0o600)
    print("wrote .env with fresh keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())
