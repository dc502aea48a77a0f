"""Create .env from .env.example with fresh SECRET_KEY and ENCRYPTION_KEYS, once."""

import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    """Write .env unless it exists; never overwrite a developer's settings."""
    target = ROOT / ".env"
    if target.exists():
        print(".env exists; leaving it as it is")
        return 0
    lines = []
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line == "SECRET_KEY=":
            line = f"SECRET_KEY={secrets.token_urlsafe(32)}"
        elif line == "ENCRYPTION_KEYS=":
            line = f"ENCRYPTION_KEYS={Fernet.generate_key().decode()}"
        lines.append(line)
    target.write_text("\n".join(lines) + "\n")
    target.chmod(0o600)
    print("wrote .env with fresh keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())
