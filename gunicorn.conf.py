"""Gunicorn settings for the Procfile's web process; every value can come from the env."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Sync workers: intake is a short database write, so more processes beat threads here.
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
timeout = 30
# Shopify gives up on a webhook after five seconds; never hold one longer than that.
graceful_timeout = 10
# GUNICORN_ACCESS_LOG="" turns the access log off (benchmarks); "-" is stdout.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# The default access log line includes the query string, and with it id_token: leave it out.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# The Mailchimp webhook's secret is in its path: the access log prints it masked.
logger_class = "app.access_log.MaskedLogger"
# Build the app once in the master (it opens no connections) so workers fork ready to serve.
preload_app = True
# A shared control socket path would clash between two gunicorns on one machine (benchmarks).
control_socket_disable = True
