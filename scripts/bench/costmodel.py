"""The cost model (scripts/bench/costmodel.sh): what the floor and fstrace run add to every syscall,
run's fixed cost, and the extraction ratios they add up to. Short runs measure these to a few
percent where a whole extraction varies by +-10%; the model leaves out the work per failing call,
a few dozen calls in an extraction. Used by report.py."""
import statistics

from rows import num, ok


def _paired_median(a, b):
    """Median over rounds of a[round] - b[round] (both measured in that round), and how many."""
    d = [a[k] - b[k] for k in a if k in b]
    return (statistics.median(d) if d else None), len(d)


class CostModel:
    def __init__(self, rows, meta):
        self.ns = {}  # config -> round -> ns per syscall
        for r in rows:
            if r["role"] == "percall" and ok(r) and num(r["wall_s"]) and num(r["issued"]):
                self.ns.setdefault(r["config"], {})[r["rep"]] = num(r["wall_s"]) * 1e9 / num(r["issued"])
        base = self.ns.get("untraced", {})
        self.floor_ns, self.rounds = _paired_median(self.ns.get("floor", {}), base)
        self.run_ns, _ = _paired_median(self.ns.get("run", {}), base)
        walls = {}  # role -> round -> wall s
        for r in rows:
            if r["workload"] == "attach" and ok(r) and num(r["wall_s"]) is not None:
                walls.setdefault(r["role"], {})[r["rep"]] = num(r["wall_s"])
        self.fixed_s, self.fixed_pairs = _paired_median(walls.get("attach", {}), walls.get("fixed", {}))
        self.syscalls = {k[len("syscalls_"):]: int(v) for k, v in meta.items() if k.startswith("syscalls_")}

    def ready(self):
        return None not in (self.floor_ns, self.run_ns, self.fixed_s)

    def predict(self, wl, base_wall):
        """(floor ratio, run ratio, run's own seconds) for one untraced run of wl, or None."""
        n = self.syscalls.get(wl)
        if not self.ready() or not n or not base_wall:
            return None
        floor = n * self.floor_ns / 1e9
        own = n * (self.run_ns - self.floor_ns) / 1e9 + self.fixed_s
        return 1 + floor / base_wall, 1 + (floor + own) / base_wall, own

    def section(self, workloads, base_wall, measured):
        """The report's lines: per-syscall and fixed figures, then a row per extraction."""
        if not self.ready():
            return ["Cost model: not measured (see the raw CSV's percall, fixed and attach rows)."]
        med = statistics.median(self.ns["untraced"].values())
        out = ["Per syscall (`scripts/bench/syscall_cost.c`: getppid in a loop, timed inside the process; "
               "median of the per-round differences, %d rounds): untraced %.0f ns; the floor %+.0f ns; "
               "fstrace run %+.0f ns, of which its own program %+.0f ns. Fixed cost of fstrace run "
               "(`fstrace run -- true` minus `true`, %d interleaved pairs): %.1f ms." % (
                   self.rounds, med, self.floor_ns, self.run_ns, self.run_ns - self.floor_ns,
                   self.fixed_pairs, self.fixed_s * 1000), ""]
        head = ["workload", "syscalls (perf stat)", "untraced wall s", "the floor", "fstrace's own: per syscall",
                "fstrace's own: fixed", "predicted run ratio", "measured run ratio"]
        body = []
        for wl in workloads:
            p = self.predict(wl, base_wall(wl))
            if p is None:
                continue
            n, w = self.syscalls[wl], base_wall(wl)
            per_call = n * (self.run_ns - self.floor_ns) / 1e9
            body.append([wl, "%d" % n, "%.3f" % w, "%+.1f%% (%.1f ms)" % ((p[0] - 1) * 100, (p[0] - 1) * w * 1000),
                         "%+.1f%% (%.1f ms)" % (per_call / w * 100, per_call * 1000),
                         "%+.1f%% (%.1f ms)" % (self.fixed_s / w * 100, self.fixed_s * 1000),
                         "%.3fx" % p[1], "%.3fx" % measured(wl) if measured(wl) else "-"])
        if body:
            out.append("| " + " | ".join(head) + " |")
            out.append("|" + "|".join("---" for _ in head) + "|")
            out += ["| " + " | ".join(row) + " |" for row in body]
        return out

    def target_text(self, workloads, base_wall, limit):
        """For the targets' table: what the floor leaves fstrace under the limit, against what it takes."""
        txt = []
        for wl in workloads:
            p = self.predict(wl, base_wall(wl))
            if p is None:
                continue
            room = (limit - p[0]) * base_wall(wl)
            txt.append("%s: the floor alone %.3fx, leaving %.1f ms for fstrace's start, stop and per-syscall "
                       "work; they take %.1f ms: %.3fx predicted" % (wl, p[0], room * 1000, p[2] * 1000, p[1]))
        return "; ".join(txt) or "not measured"
