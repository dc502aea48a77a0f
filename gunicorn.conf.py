"""Gunicorn settings for the Procfile's web process; every value can come from the env."""

import os
import shutil
import tempfile

# prometheus-client picks multiprocess mode when first imported: give every gunicorn worker
# one directory to write its counters to, before the app (and with it the client) is imported.
_metrics_dir = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="baton-web-")

from app.logs import gunicorn_config  # noqa: E402 - after the metrics directory, on purpose

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Sync workers: intake is a short database write, so more processes beat threads here.
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
timeout = 30
# Shopify gives up on a webhook after five seconds; never hold one longer than that.
graceful_timeout = 10
# The app writes one JSON line per request (app/request_log.py), with its request id; gunicorn's
# own access log is off unless GUNICORN_ACCESS_LOG names a file ("-" is stdout).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# gunicorn's lines (worker boots, timeouts) and the app's go out as JSON on stderr alike.
logconfig_dict = gunicorn_config(os.environ.get("LOG_LEVEL", "INFO"))
# The default access log line includes the query string, and with it id_token: leave it out.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# The Mailchimp webhook's secret is in its path: the access log prints it masked.
logger_class = "app.access_log.MaskedLogger"
# Build the app once in the master (it opens no connections) so workers fork ready to serve.
preload_app = True
# A shared control socket path would clash between two gunicorns on one machine (benchmarks).
control_socket_disable = True


def child_exit(server, worker):
    """A dead worker's live gauges leave the sum; its counters stay counted."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
