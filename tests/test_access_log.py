"""The web process's access log never prints a secret a URL carries (gunicorn.conf.py)."""

import os
import runpy
from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from app.access_log import MaskedLogger
from app.config import ROOT

SECRET = "s3cr3t-Mailchimp-webhook-value"


def access_line(tmp_path, path: str) -> str:
    """What gunicorn, configured by gunicorn.conf.py, writes for one request to `path`."""
    # gunicorn.conf.py makes a metrics directory when none is set; keep it out of this process.
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    try:
        settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    finally:
        if os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path):
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("access_log_format", settings["access_log_format"])
    config.set("logger_class", settings["logger_class"])
    logger = config.logger_class(config)
    assert isinstance(logger, MaskedLogger)
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    response = SimpleNamespace(status="200 OK", sent=2, headers=[])
    logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=3))
    return (tmp_path / "access.log").read_text()


def test_the_mailchimp_webhook_secret_is_masked(tmp_path):
    # L6: Mailchimp signs nothing, so the path carries the secret.
    line = access_line(tmp_path, f"/webhooks/mailchimp/7/{SECRET}")
    assert SECRET not in line
    assert "/webhooks/mailchimp/7/***" in line


def test_other_paths_are_logged_as_they_are(tmp_path):
    assert '"POST /webhooks/compliance" 200' in access_line(tmp_path, "/webhooks/compliance")
