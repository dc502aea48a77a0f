"""Peak resident memory of one web worker and one RQ worker through the benchmarks above.

The harness reads each gunicorn worker's and each RQ worker's VmHWM (the kernel's record of
a process's peak RSS) just before stopping it, and a burst worker's from wait4. The same-run
baseline is a gunicorn worker of the bare Flask app.
"""

from benchmarks.harness import PEAK_RSS_KIB

BASELINE = "web worker, bare Flask"


def main() -> None:
    """Print the peaks recorded so far in this process (run it last, as `make bench` does)."""
    print("memory: peak RSS per process through the runs above")
    if not PEAK_RSS_KIB:
        print("  nothing recorded: run it after the others, with `python -m benchmarks`")
        return
    baseline = PEAK_RSS_KIB.get(BASELINE)
    for role, kib in sorted(PEAK_RSS_KIB.items()):
        ratio = f"  ({kib / baseline:.2f}x the bare Flask worker)" if baseline else ""
        print(f"  {role:42s} {kib / 1024:7.1f} MiB{ratio}")


if __name__ == "__main__":
    main()
