"""Point shopify.app.toml and .env at a tunnel (ngrok, cloudflared) for local development."""

import re
from pathlib import Path
from urllib.parse import urlparse

# Baton's OAuth callback (app.auth); shopify.web.toml names the same path for `shopify app dev`.
CALLBACK_PATH = "/auth/callback"


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
    """Point application_url and the redirect URL at the tunnel, and an absolute proxy URL.

    application_url is the bare origin: the CLI appends relative webhook and proxy paths to
    it, as `shopify app dev` does with its own tunnel.
    """
    text = re.sub(r'(?m)^application_url = ".*"$', f'application_url = "{origin}"', text)
    text = re.sub(
        r"(?m)^redirect_urls = \[.*\]$", f'redirect_urls = [ "{origin}{CALLBACK_PATH}" ]', text
    )
    return _rewrite_in_section(text, "app_proxy", "url", _proxy_url_at(origin))


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


def _proxy_url_at(origin: str):
    # A relative proxy URL already follows application_url; an absolute one keeps its path.
    def rewrite(current: str) -> str:
        if current.startswith("/"):
            return current
        return origin + (urlparse(current).path.rstrip("/") or "/proxy")

    return rewrite


def _rewrite_in_section(text: str, section: str, key: str, rewrite) -> str:
    lines = text.splitlines(keepends=True)
    current = None
    for index, line in enumerate(lines):
        header = re.match(r"^\s*\[+([^\]]+)\]+\s*$", line)
        if header:
            current = header.group(1).strip()
            continue
        value = re.match(rf'^\s*{key}\s*=\s*"(.*)"\s*$', line)
        if current == section and value:
            lines[index] = f'{key} = "{rewrite(value.group(1))}"\n'
    return "".join(lines)
