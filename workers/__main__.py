"""`python -m workers`: the Procfile's worker, counting for Prometheus across its processes.

prometheus-client picks multiprocess mode when first imported, so the directory is set here,
before anything imports it; the RQ workers this process spawns inherit it. A directory given
in PROMETHEUS_MULTIPROC_DIR must be this process type's own, and empty at start.
"""

import os
import shutil
import tempfile


def run() -> None:
    created = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        created = tempfile.mkdtemp(prefix="baton-worker-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = created
    from workers.main import main  # after the directory, on purpose

    try:
        main()
    finally:
        if created:
            shutil.rmtree(created, ignore_errors=True)


if __name__ == "__main__":
    run()
