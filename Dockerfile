# Baton's image: the web process by default; the worker and the release step run the same image
# with another command (see compose.yaml and the README's Deploy section).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000

WORKDIR /srv/baton
# The runtime lock only, every package with its hashes: the image holds no test tool.
COPY requirements.txt .
RUN pip install --require-hashes --no-deps -r requirements.txt

COPY app ./app
COPY workers ./workers
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY extensions/baton-popup ./extensions/baton-popup
COPY gunicorn.conf.py shopify.app.toml Procfile ./

# Never root: a numeric user the orchestrator can also enforce (runAsNonRoot).
RUN useradd --system --uid 10001 --home-dir /srv/baton baton \
    && mkdir -p instance && chown baton instance
USER 10001

EXPOSE 8000
# Liveness only: /healthz answers 503 while the worker is away, and intake must keep storing.
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/livez', timeout=2)"]
CMD ["gunicorn", "app:create_app()", "--config", "gunicorn.conf.py"]
