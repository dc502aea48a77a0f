"""RQ jobs, one module per concern, and the worker entry point (workers.main)."""
