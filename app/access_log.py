"""Gunicorn's access log, with the secrets some URLs carry masked (gunicorn.conf.py uses it)."""

import re

from gunicorn.glogging import Logger

# A platform that signs nothing calls back on a URL carrying a per-connection secret
# (/webhooks/<platform>/<connection id>/<secret>); an access log must never print it.
SECRET_IN_PATH = re.compile(r"(/webhooks/[a-z_]+/\d+/)[^/?\s]+")


def mask_secrets(text: str | None) -> str | None:
    """The path or request line with every secret segment replaced by ***."""
    return SECRET_IN_PATH.sub(r"\1***", text) if text else text


class MaskedLogger(Logger):
    """Gunicorn's logger; every atom that can hold the request path is masked."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "{path_info}e", "{raw_uri}e", "{request_uri}e"):
            if key in atoms:
                atoms[key] = mask_secrets(atoms[key])
        return atoms
