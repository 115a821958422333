#!/usr/bin/env python3
"""Prints bench/cycle's tables from BENCH_DIR/results.tsv, counts.tsv and each farm's farm.json.

    report.py BENCH_DIR N [N ...]

Rows of kind pg-* (run.sh with POSTGRESQL=1: tributary with its store in PostgreSQL) are printed
beside tributary's SQLite rows, with the server's CPU time; without them the output is as before.
Rows of kind pgs-* (DAEMONS=N): N daemons at once sharing one schema; wall until the last ended,
CPU summed over the N.
"""

import json
import os
import re
import statistics
import sys

KINDS = [
    ("tributary-cold", "tributary cold"),
    ("pg-cold", "PostgreSQL cold"),
    ("tributary-second", "tributary second (304)"),
    ("pg-second", "PostgreSQL second (304)"),
    ("tributary-steady", "tributary steady"),
    ("pg-steady", "PostgreSQL steady"),
    ("pgs-cold", "PostgreSQL, shared cold"),
    ("pgs-second", "PostgreSQL, shared 304"),
    ("pgs-steady", "PostgreSQL, shared steady"),
    ("newsboat-cold", "newsboat cold"),
    ("newsboat-second", "newsboat second"),
    ("newsboat-third", "newsboat third (304)"),
    ("tributary-run-cold", "tributary run, cold (*)"),
]
GOAL_COLD_RATIO = 10.0       # newsboat / tributary, wall and CPU, cold
GOAL_SCALING = 11.0          # cold(10000) / cold(1000)
GOAL_WARM_US = 100.0         # µs CPU per feed, all-304 cycle
GOAL_RSS_MB = 64.0           # peak RSS at 10,000 feeds


def load(bench):
    results = {}
    with open(os.path.join(bench, "results.tsv"), encoding="utf-8") as fh:
        for line in fh:
            n, run, kind, wall, user, sys_, rss, rc, load = line.rstrip("\n").split("\t")
            results.setdefault((int(n), kind), []).append({
                "run": int(run), "wall": float(wall), "user": float(user), "sys": float(sys_),
                "cpu": float(user) + float(sys_), "rss_mb": int(rss) / 1024, "rc": int(rc), "load": float(load)})
    counts = {}
    with open(os.path.join(bench, "counts.tsv"), encoding="utf-8") as fh:
        for line in fh:
            n, run, kind, key, value = line.rstrip("\n").split("\t", 4)
            counts.setdefault((int(n), int(run), kind), {})[key] = value
    return results, counts


def med(rows, key):
    ok = [r[key] for r in rows if r["rc"] == 0]
    return statistics.median(ok) if ok else None


def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def num(counts, key):
    """A count as 12,345, or '?' when the query failed (another schema, a missing store)."""
    try:
        return f"{int(counts.get(key, '')):,}"
    except ValueError:
        return "?"


def verdict(ok):
    return "met" if ok else "MISSED"


def median_count(counts, n, kind, value):
    """The median over runs of value(counts of one run), None where it gives None."""
    got = [value(c) for (m, _run, k), c in counts.items() if m == n and k == kind]
    got = [x for x in got if x is not None]
    return statistics.median(got) if got else None


def server_cpu(c):
    try:
        return float(c["server_cpu"])
    except (KeyError, ValueError):
        return None


def requests_per_feed(n):
    """Requests a feed got in a cycle, from the daemon's log: 'cycle: N feeds polled, ...'."""
    def value(c):
        m = re.search(r"cycle: (\d+) feeds polled", c.get("cycle", ""))
        return int(m.group(1)) / n if m else None
    return value


def ratio(a, b):
    return None if a is None or not b else a / b


def postgresql_lines(n, results, counts, med_of, labels):
    """SQLite beside PostgreSQL: daemon and server CPU, per feed, requests, and the ratios."""
    print("SQLite beside PostgreSQL (one daemon each, same farm, same runs, medians; SQLite's store is in the "
          "daemon: no server):")
    print(f"{'':24} {'wall s':>9} {'daemon CPU s':>13} {'server CPU s':>13} {'daemon µs/feed':>15} "
          f"{'server µs/feed':>15} {'requests/feed':>14}")
    for kind, _label in KINDS[:9]:
        if not results.get((n, kind)):
            continue
        m = med_of.get(kind, {})
        server = median_count(counts, n, kind, server_cpu) if kind.startswith(("pg-", "pgs-")) else None
        req = median_count(counts, n, kind.replace("tributary-", ""), requests_per_feed(n))
        daemon_us = None if m.get("cpu") is None else m["cpu"] / n * 1e6
        server_us = None if server is None else server / n * 1e6
        print(f"{labels[kind]:24} {fmt(m.get('wall'), '.2f'):>9} {fmt(m.get('cpu'), '.2f'):>13} "
              f"{fmt(server, '.2f'):>13} {fmt(daemon_us, '.0f'):>15} {fmt(server_us, '.0f'):>15} {fmt(req, '.2f'):>14}")
    for cycle in ("cold", "second", "steady"):
        sq, pg = med_of.get("tributary-" + cycle), med_of.get("pg-" + cycle)
        if not sq or not pg:
            continue
        server = median_count(counts, n, "pg-" + cycle, server_cpu)
        total = None if pg["cpu"] is None or server is None else pg["cpu"] + server
        print(f"PostgreSQL / SQLite, {cycle}: wall {fmt(ratio(pg['wall'], sq['wall']), '.2f')}×, "
              f"daemon CPU {fmt(ratio(pg['cpu'], sq['cpu']), '.2f')}×, "
              f"daemon+server CPU {fmt(ratio(total, sq['cpu']), '.2f')}×")
        shared = med_of.get("pgs-" + cycle)
        if shared:
            daemons = median_count(counts, n, "pgs-" + cycle, lambda c: float(c["daemons"]) if "daemons" in c else None)
            shared_server = median_count(counts, n, "pgs-" + cycle, server_cpu)
            shared_total = None if shared["cpu"] is None or shared_server is None else shared["cpu"] + shared_server
            print(f"PostgreSQL, {fmt(daemons, '.0f')} daemons / one daemon, {cycle}: "
                  f"wall {fmt(ratio(shared['wall'], pg['wall']), '.2f')}×, "
                  f"daemons' CPU {fmt(ratio(shared['cpu'], pg['cpu']), '.2f')}×, "
                  f"daemons+server CPU {fmt(ratio(shared_total, total), '.2f')}×")
    peaks = [med_of[k]["peak"] for k in med_of if k.startswith("pg-") and med_of[k]["peak"] is not None]
    if peaks:
        print(f"tributary on PostgreSQL, peak RSS of the daemon, any cycle: {max(peaks):.0f} MB")


def short_symbol(symbol, width=100):
    """C++ symbols with their template arguments folded, innermost first, until they fit."""
    before = None
    while len(symbol) > width and symbol != before:
        before = symbol
        symbol = re.sub(r"<[^<>]*>", "\u2039\u203a", symbol)    # a folded <...> no longer counts as brackets
    symbol = symbol.replace("\u2039\u203a", "<…>")
    while len(symbol) > width and symbol != before:          # then parameter lists
        before = symbol
        symbol = re.sub(r"\([^()]*\)", "\u2039\u203a", symbol)
    symbol = symbol.replace("\u2039\u203a", "(…)")
    return symbol if len(symbol) <= width else symbol[:width - 1] + "…"


def perf_line(line, children=False):
    """'  6.04%  libsqlite3.so.0  [.] sqlite3BtreeTableMoveto  - -' -> '  6.04%  sqlite3BtreeTableMoveto  (libsqlite3.so.0)'"""
    parts = line.split()
    if children:                 # '  93.24%  2.51%  tributary  [.] tributary::store::FeedStore::ingest  - -'
        parts = parts[:1] + parts[2:]
    if len(parts) < 4 or not parts[0].endswith("%"):
        return " ".join(parts)
    symbol = " ".join(parts[3:])
    symbol = re.sub(r"(\s+-)+$", "", symbol)
    return f"{parts[0]:>7}  {short_symbol(symbol)}  ({parts[1]})"


def main():
    bench, sizes = sys.argv[1], [int(n) for n in sys.argv[2:]]
    results, counts = load(bench)
    cold = {}
    for n in sizes:
        with open(os.path.join(bench, f"n{n}", "farm.json"), encoding="utf-8") as fh:
            farm = json.load(fh)
        base = farm["rounds"]["0"]["census"]
        runs = max((r["run"] for k in KINDS for r in results.get((n, k[0]), [])), default=0)
        hosts = farm.get("hosts", 1)             # run.sh HOSTS; farm.json names it only when > 1
        print()
        print(f"== {n:,} feeds on {hosts} host{'s' if hosts != 1 else ''}: {base['items']:,} items in "
              f"{base['stories']:,} stories ({base['republications']:,} republications), "
              f"{base['items_within_72h']:,} within 72 h; {farm['bytes'] / 1e6:.1f} MB, {farm['gzip_bytes'] / 1e6:.1f} MB gzipped; "
              f"{runs} run{'s' if runs != 1 else ''}, medians")
        print(f"{'':24} {'wall s':>9} {'CPU s':>9} {'user s':>9} {'sys s':>8} {'peak RSS MB':>12} {'CPU µs/feed':>12}")
        med_of, labels = {}, {}
        for kind, label in KINDS:
            rows = results.get((n, kind))
            if not rows:
                continue
            failed = sum(r["rc"] != 0 for r in rows)
            wall, cpu, user, sys_ = (med(rows, k) for k in ("wall", "cpu", "user", "sys"))
            peak = max((r["rss_mb"] for r in rows if r["rc"] == 0), default=None)
            med_of[kind] = {"wall": wall, "cpu": cpu, "peak": peak}
            per_feed = None if cpu is None else cpu / n * 1e6
            if kind in ("tributary-steady", "pg-steady", "pgs-steady") and farm.get("mutate"):
                label = f"{label} ({farm['mutate'] * 100:.0f}%)"
            labels[kind] = label
            print(f"{label:24} {fmt(wall, '9.2f')} {fmt(cpu, '9.2f')} {fmt(user, '9.2f')} {fmt(sys_, '8.2f')} "
                  f"{fmt(peak, '12.0f')} {fmt(per_feed, '12.0f')}"
                  + (f"   ({failed} of {len(rows)} failed)" if failed else ""))
        if "tributary-run-cold" in med_of:
            print("(*) `tributary run`, the service, on a fresh database until every feed was polled: its feeds start "
                  "over startup_spread (5 s), it publishes every 2 s while documents land, and serves HTTP")
        loads = [r["load"] for k in KINDS for r in results.get((n, k[0]), [])]
        if loads:
            print(f"load average before each command: median {statistics.median(loads):.1f}, max {max(loads):.1f} "
                  f"({os.cpu_count()} CPUs; wall times count others' work too, CPU times much less)")
        t, nb = med_of.get("tributary-cold"), med_of.get("newsboat-cold")
        if t:
            cold[n] = t
        if t and nb and t["wall"] and nb["wall"]:
            rw, rc = nb["wall"] / t["wall"], nb["cpu"] / t["cpu"]
            print(f"cold, newsboat / tributary: wall {rw:.2f}x ({verdict(rw >= GOAL_COLD_RATIO)}: goal >= "
                  f"{GOAL_COLD_RATIO:.0f}x), CPU {rc:.2f}x ({verdict(rc >= GOAL_COLD_RATIO)}: goal >= {GOAL_COLD_RATIO:.0f}x)")
        warm, nb_warm = med_of.get("tributary-second"), med_of.get("newsboat-third")
        if warm and warm["cpu"] is not None:
            us = warm["cpu"] / n * 1e6
            line = (f"warm (all-304) tributary CPU per feed: {us:.0f} µs ({verdict(us <= GOAL_WARM_US)}: goal <= "
                    f"{GOAL_WARM_US:.0f} µs)")
            if nb_warm and nb_warm["cpu"] is not None:
                line += f"; newsboat {nb_warm['cpu'] / n * 1e6:.0f} µs"
            print(line)
        peaks = [m["peak"] for k, m in med_of.items() if k.startswith("tributary") and m["peak"] is not None]
        if peaks:
            line = f"tributary peak RSS, any cycle: {max(peaks):.0f} MB"
            if n >= 10000:
                line += f" ({verdict(max(peaks) <= GOAL_RSS_MB)}: goal <= {GOAL_RSS_MB:.0f} MB at 10,000 feeds)"
            print(line)
        if any(k.startswith("pg-") for k in med_of):
            postgresql_lines(n, results, counts, med_of, labels)

        # Sanity: what the stores hold after each cycle of the last run, beside what the farm holds.
        last = max((run for (m, run, _k) in counts if m == n and run > 0), default=0)
        if not last:
            continue
        print(f"counts after run {last}:")
        before = farm["rounds"].get(str(last - 1), {}).get("census", {})
        this = farm["rounds"].get(str(last), {})
        expect = {"run-cold": before.get("items"), "cold": before.get("items"), "second": before.get("items"),
                  "steady": (before.get("items") or 0) + this.get("new_items", 0) if this else None}
        for kind, store in [("run-cold", "")] + [(k, s) for k in ("cold", "second", "steady") for s in ("", "pg-", "pgs-")]:
            c = counts.get((n, last, store + kind))
            if not c:
                continue
            who = {"": "tributary", "pg-": "pg       ", "pgs-": "pg shared"}[store]  # pg: store in PostgreSQL
            if "error" in c:
                print(f"  {who} {kind:7} {c['error']}")
                continue
            e = expect.get(kind)
            langs = before.get("items_by_language", {})
            arabic = sum(v for k, v in langs.items() if k.startswith("ar"))
            print(f"  {who} {kind:7} {num(c, 'items'):>7} items (expected {fmt(e, ',')}), "
                  f"{num(c, 'stories'):>7} stories, {num(c, 'arabic_titles')} Arabic titles"
                  + (f" (farm: {arabic:,})" if kind in ("cold", "run-cold") else "")
                  + f", {num(c, 'mojibake')} garbled; feeds {c.get('outcomes') or '?'}")
            if c.get("cycle"):
                print(f"            {c['cycle']}")
        print(f"  farm before run {last}: {before.get('items', 0):,} items in {before.get('stories', 0):,} story groups "
              f"(rewritten republications may rightly stay apart, so tributary's stories are a little more)")
        if this:
            print(f"  steady round {last}: {this['mutated']} feeds changed, {this['new_items']} new items, "
                  f"{this['edited_items']} items edited")
        for kind in ("cold", "second", "third"):
            c = counts.get((n, last, "newsboat-" + kind))
            if c and "error" not in c:
                print(f"  newsboat  {kind:7} {num(c, 'items'):>7} items, {num(c, 'feeds')} feeds, "
                      f"{num(c, 'arabic_titles')} Arabic titles")
            elif c:
                print(f"  newsboat  {kind:7} {c['error']}")
        perf = counts.get((n, 0, "perf"), {})
        if perf.get("top"):
            print("perf, one cold cycle (self time, top symbols):")
            for line in perf["top"].split("|")[:10]:
                print("  " + perf_line(line))
        if perf.get("children"):
            print("perf, the same cycle (tributary's functions, time including their callees):")
            shown = []
            for line in perf["children"].split("|"):
                text = perf_line(line, children=True)
                name = text.split(None, 1)[-1]
                if name not in shown and len(shown) < 10:       # overloads and clones: the largest once
                    shown.append(name)
                    print("  " + text)

    if 1000 in cold and 10000 in cold and cold[1000]["wall"] and cold[10000]["wall"]:
        rw = cold[10000]["wall"] / cold[1000]["wall"]
        rc = cold[10000]["cpu"] / cold[1000]["cpu"]
        print()
        print(f"cold 10,000 / cold 1,000: wall {rw:.2f} ({verdict(rw <= GOAL_SCALING)}: goal <= {GOAL_SCALING:.0f}), "
              f"CPU {rc:.2f} ({verdict(rc <= GOAL_SCALING)})")


if __name__ == "__main__":
    main()
