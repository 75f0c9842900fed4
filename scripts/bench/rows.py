"""Reading the bench's raw CSV rows (scripts/bench/run.sh), for report.py and costmodel.py."""


def num(v):
    """A cell as a number, None when empty or not a number."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def ok(r):
    """The run and its tracer (if any) exited 0."""
    return r["status"] == "0" and r["tracer_status"] in ("", "0")
