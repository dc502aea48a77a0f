"""Point shopify.app.toml and .env at a tunnel (ngrok, cloudflared) for local development."""

import re
from pathlib import Path
from urllib.parse import urlparse


class TunnelError(ValueError):
    """The tunnel URL cannot be used."""


def normalise_tunnel_url(url: str) -> str:
    """Return the tunnel's origin, refusing anything but a bare https origin."""
    parsed = urlparse(url.strip())
    if parsed.scheme != "https" or not parsed.hostname:
        raise TunnelError(f"the tunnel URL must be https://host, got {url!r}")
    if parsed.path not in ("", "/") or parsed.query:
        raise TunnelError("give the tunnel's origin only, without a path or query")
    return f"https://{parsed.netloc}"


def rewrite_app_toml(text: str, origin: str) -> str:
    """Point application_url, the redirect URLs and the proxy URL at the tunnel."""
    text = re.sub(r'(?m)^application_url = ".*"$', f'application_url = "{origin}/app"', text)
    text = re.sub(
        r"(?m)^redirect_urls = \[.*\]$", f'redirect_urls = [ "{origin}/auth/callback" ]', text
    )
    return _rewrite_in_section(text, "app_proxy", "url", f"{origin}/proxy")


def rewrite_env(text: str, origin: str) -> str:
    """Set SHOPIFY_APP_URL in a .env file's text, adding the line when it is absent."""
    line = f"SHOPIFY_APP_URL={origin}"
    if re.search(r"(?m)^SHOPIFY_APP_URL=.*$", text):
        return re.sub(r"(?m)^SHOPIFY_APP_URL=.*$", line, text)
    kept = text.rstrip("\n")
    return f"{kept}\n{line}\n" if kept else f"{line}\n"


def point_at_tunnel(url: str, app_toml: Path, env_file: Path) -> str:
    """Rewrite both files in place; returns the origin that was written."""
    origin = normalise_tunnel_url(url)
    app_toml.write_text(rewrite_app_toml(app_toml.read_text(), origin))
    env_text = env_file.read_text() if env_file.exists() else ""
    env_file.write_text(rewrite_env(env_text, origin))
    return origin


def _rewrite_in_section(text: str, section: str, key: str, value: str) -> str:
    lines = text.splitlines(keepends=True)
    current = None
    for index, line in enumerate(lines):
        header = re.match(r"^\s*\[+([^\]]+)\]+\s*$", line)
        if header:
            current = header.group(1).strip()
        elif current == section and re.match(rf"^\s*{key}\s*=", line):
            lines[index] = f'{key} = "{value}"\n'
    return "".join(lines)
