#!/usr/bin/env python3
"""A large recording for the report's scale figures, grown from a real one.

Usage: report_scale.py SOURCE.jsonl.gz EVENTS OUT.jsonl.gz

SOURCE is a real recording whose command made many routine misses before its decisive failure
(tests/golden/late_race: a header search, then cat of a file an rm -rf removed). Its miss events
are repeated with a distinct path each (a larger header search: the same process, calls and
errnos) until the recording holds EVENTS events; every other event (the removal, the failure,
the exits, the command's output) is kept as recorded, after them, with their own spacing. So the
diagnosis the report must still make is the real run's, only later and behind more misses.
"""
import gzip
import json
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[2])
    src, want, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with gzip.open(src, "rt") as f:
        lines = [json.loads(line) for line in f]
    header, trailer, events = lines[0], lines[-1], lines[1:-1]
    misses = [e for e in events if e.get("type") == "syscall" and e.get("comm") == "misses"]
    if not misses:
        sys.exit("report_scale: no miss events (comm 'misses') in " + src)
    last_miss = max(e["ts_ns"] for e in misses)
    rest = [e for e in events if not (e.get("type") == "syscall" and e.get("comm") == "misses")]
    early = [e for e in rest if e["ts_ns"] <= last_miss]
    late = [e for e in rest if e["ts_ns"] > last_miss]
    grow = max(want - len(early) - len(late), len(misses))
    t0 = misses[0]["ts_ns"]
    step = 100  # ns between repeated misses: 10M of them span one second
    with gzip.open(out, "wt", compresslevel=1) as f:
        f.write(json.dumps(header, separators=(",", ":")) + "\n")
        for e in early:
            f.write(json.dumps(e, separators=(",", ":")) + "\n")
        for i in range(grow):
            e = dict(misses[i % len(misses)])
            head, _, base = e["path"].rpartition("/")
            e["path"] = "%s/%d-%s" % (head, i, base)
            e["ts_ns"] = t0 + i * step
            f.write(json.dumps(e, separators=(",", ":")) + "\n")
        shift = t0 + grow * step - last_miss
        for e in late:
            e = dict(e)
            e["ts_ns"] += shift
            f.write(json.dumps(e, separators=(",", ":")) + "\n")
        trailer = dict(trailer)
        trailer["events"] = len(early) + grow + len(late)
        f.write(json.dumps(trailer, separators=(",", ":")) + "\n")
    print(trailer["events"])


if __name__ == "__main__":
    main()
