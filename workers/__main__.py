"""`python -m workers`: the Procfile's worker, counting for Prometheus across its processes.

prometheus-client picks multiprocess mode when first imported, so the directory is set here,
before anything imports it; the RQ workers this process spawns inherit it. A directory given
in PROMETHEUS_MULTIPROC_DIR must be this process type's own, and empty at start.
"""

import os
import shutil
import tempfile

created = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    created = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="baton-worker-")

from workers.main import main  # noqa: E402 - after the directory, on purpose

try:
    main()
finally:
    if created:
        shutil.rmtree(created, ignore_errors=True)
