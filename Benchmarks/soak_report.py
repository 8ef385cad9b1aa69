#!/usr/bin/env python3
"""The soak's verdict, its section of BENCHMARKS.md and its plots (gnuplot), from the results of
Benchmarks/soak_driver.py. Exits 1 when a write was lost, an answer was wrong, or a compaction,
`store check` or `audit verify` failed; series that are not flat are printed, not fatal."""
import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile

HEADING = "## Soak: a day of load, compressed (issue #28)"
FLAT = 0.10      # the pass rule: each series moves less than 10% ...
SETTLE = 2       # ... after the first two minutes
NAMES = {"json": "JSON store", "postgresql": "PostgreSQL"}


def series(result):
    """The pass rule's series: (name, unit, values by minute)."""
    samples = result["samples"]
    worker = lambda slot, key: [(s["workers"][slot] or {}).get(key) for s in samples]
    log = "journal" if result["backend"] == "json" else "change log table (tokend.changes)"
    return [
        ("RSS, worker A (never killed)", "KB", worker("A", "rss_kb")),
        ("RSS, worker B (killed every minute)", "KB", worker("B", "rss_kb")),
        ("open descriptors, worker A", "", worker("A", "fds")),
        ("open descriptors, worker B", "", worker("B", "fds")),
        (log, "bytes", [s.get("log_bytes") for s in samples]),
        ("p50 of the minute", "ms", [s.get("p50_ms") for s in samples]),
        ("p99 of the minute", "ms", [s.get("p99_ms") for s in samples]),
    ]


def flatness(values):
    """(spread, flat) over the minutes after the first two: (max - min) / min."""
    later = [v for v in values[SETTLE:]]
    if not later:
        return None, None
    if any(v is None for v in later):
        return None, False
    low, high = min(later), max(later)
    spread = (high - low) / low if low > 0 else (0.0 if high == 0 else float("inf"))
    return spread, spread <= FLAT


def failures(result):
    """What makes the soak fail, beyond flatness."""
    found = []
    verification = result.get("verification")
    if verification is None:
        found.append("the final check did not run")
    else:
        if verification["lost"]:
            found.append(f"{len(verification['lost'])} acknowledged writes lost, first: {verification['lost'][:3]}")
        if verification["wrong"]:
            found.append(f"{len(verification['wrong'])} tokens answered as another token: {verification['wrong'][:3]}")
    if result["unexpected"]["count"]:
        found.append(f"{result['unexpected']['count']} unexpected answers, first: {result['unexpected']['first'][:3]}")
    for event in result["events"]:
        if event["event"] == "compact" and event["exit"] != 0:
            found.append(f"store compact exited {event['exit']} in minute {event['minute']}: {event['output']}")
    for name in ("store_check", "audit_verify"):
        if result[name]["exit"] != 0:
            found.append(f"{name.replace('_', ' ')} exited {result[name]['exit']}: {result[name]['output'][-300:]}")
    return found


def number(value, unit=""):
    if value is None:
        return "-"
    if unit == "bytes":
        return f"{value / 1024:,.0f} KiB"
    if isinstance(value, float):
        return f"{value:.2f}"
    return f"{value:,}"


def section_for(result, plot):
    backend, samples = result["backend"], result["samples"]
    name = NAMES[backend]
    lines = [f"### {name}", ""]
    size_columns = (["journal", "snapshot", "audit files"] if backend == "json"
                    else ["tokend.changes (rows)", "tokend.tokens", "audit_events", "database", "WAL"])
    lines.append("| minute | requests (ok / 502 / wrong) | p50 | p99 | RSS A | RSS B | fds A / B | threads A / B | "
                 + " | ".join(size_columns) + " |")
    lines.append("|" + "---|" * (8 + len(size_columns)))
    for s in samples:
        a, b = s["workers"]["A"] or {}, s["workers"]["B"] or {}
        if backend == "json":
            sizes = [number(s.get("log_bytes"), "bytes"), number(s.get("snapshot_bytes"), "bytes"), number(s.get("audit_bytes"), "bytes")]
        else:
            sizes = [f"{number(s.get('log_bytes'), 'bytes')} ({number(s.get('log_rows'))})", number(s.get("tokens_bytes"), "bytes"),
                     number(s.get("audit_bytes"), "bytes"), number(s.get("database_bytes"), "bytes"), number(s.get("wal_bytes"), "bytes")]
        lines.append(f"| {s['minute']} | {s['requests']:,} ({s['ok']:,} / {s['transient']} / {s['unexpected']}) | {number(s['p50_ms'])} ms | "
                     f"{number(s['p99_ms'])} ms | {number(a.get('rss_kb'))} KB | {number(b.get('rss_kb'))} KB | "
                     f"{a.get('fds', '-')} / {b.get('fds', '-')} | {a.get('threads', '-')} / {b.get('threads', '-')} | " + " | ".join(sizes) + " |")
    judged = f"minutes {SETTLE + 1}–{len(samples)}" if len(samples) > SETTLE else f"not judged in a run of {len(samples)} minutes"
    lines += ["", f"Pass rule ({judged}): each series' spread after minute {SETTLE}, (max − min) ÷ min, at most {FLAT:.0%}.", "",
              "| series | minutes 1–" + str(len(samples)) + " | spread after minute 2 | flat |", "|---|---|---|---|"]
    for title, unit, values in series(result):
        spread, flat = flatness(values)
        shown = ", ".join(number(v, unit) for v in values)
        unit = "KiB" if unit == "bytes" else unit
        verdict = "not judged (fewer than 3 minutes)" if flat is None and spread is None else ("yes" if flat else "**no**")
        lines.append(f"| {title}{' (' + unit + ')' if unit else ''} | {shown} | {'-' if spread is None else f'{spread:.1%}'} | {verdict} |")
    kinds = lambda figures: ", ".join(f"{n} {k}" for k, n in sorted((figures or {}).get("fd_kinds", {}).items())) or "-"
    lines += ["", "Open descriptors by kind, worker A then B, by minute: "
              + "; ".join(f"{s['minute']}: {kinds(s['workers']['A'])} / {kinds(s['workers']['B'])}" for s in samples) + "."]
    counts, verification = result["counts"], result.get("verification") or {}
    compactions = [e for e in result["events"] if e["event"] == "compact"]
    lines += ["",
              f"Writes acknowledged: {counts['create']:,} creates, {counts['rotate']:,} rotations, {counts['revoke']:,} revocations; "
              f"{counts['unanswered_create'] + counts['unanswered_rotate'] + counts['unanswered_revoke']} more got nginx's 502 from a killed "
              f"worker and are left undecided ({counts['undecided']} tokens set aside). After a kill -9 of both workers, "
              f"{verification.get('checked', 0):,} tokens checked: {len(verification.get('lost', []))} lost, "
              f"{len(verification.get('wrong', []))} wrong ({counts['live']:,} must authenticate, {counts['revoked']:,} must answer 401).",
              f"Compactions: {len(compactions)}, exit {'0 each' if all(e['exit'] == 0 for e in compactions) else 'non-zero (see above)'}, "
              f"{max([e['seconds'] for e in compactions] or [0]):.1f} s the longest. Worker restarts: {len(result['worker_exits'])}. "
              f"`store check`: {'passed' if result['store_check']['exit'] == 0 else 'FAILED'}; "
              f"`audit verify`: {'passed' if result['audit_verify']['exit'] == 0 else 'FAILED'}."
              + (f" The load fell more than 2 s behind its pace {result['behind']} times." if result["behind"] else ""),
              "", f"![{name}: each series by minute]({plot})", ""]
    return lines


def plot(result, path):
    """Four panels by minute: RSS of A and B, their descriptors, the journal or log, p50 and p99."""
    with tempfile.NamedTemporaryFile("w", suffix=".dat", delete=False) as data:
        for s in result["samples"]:
            a, b = s["workers"]["A"] or {}, s["workers"]["B"] or {}
            row = [s["minute"], (a.get("rss_kb") or 0) / 1024, (b.get("rss_kb") or 0) / 1024, a.get("fds") or 0, b.get("fds") or 0,
                   (s.get("log_bytes") or 0) / 1024, s.get("p50_ms") or 0, s.get("p99_ms") or 0]
            data.write(" ".join(str(v) for v in row) + "\n")
    log = "journal (KiB)" if result["backend"] == "json" else "tokend.changes (KiB)"
    script = f"""
set terminal pngcairo size 1100,720 font ",10"
set output "{path}"
set multiplot layout 2,2 title "tokend soak, {NAMES[result['backend']]}: by minute (pass rule: flat within 10% after minute 2)"
set xlabel "minute"; set grid; set key bottom right; set yrange [0:*]; set xtics 1; set offsets 0, 0, graph 0.15, 0
set title "RSS (MiB)"; plot "{data.name}" u 1:2 w lp t "worker A (never killed)", "" u 1:3 w lp t "worker B (killed each minute)"
set title "open file descriptors"; plot "{data.name}" u 1:4 w lp t "worker A", "" u 1:5 w lp t "worker B"
set title "{log}"; plot "{data.name}" u 1:6 w lp t "at the end of the minute"
set title "latency of the minute (ms)"; plot "{data.name}" u 1:7 w lp t "p50", "" u 1:8 w lp t "p99"
unset multiplot
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True, capture_output=True)
    finally:
        os.unlink(data.name)


def replace_section(markdown, lines):
    """BENCHMARKS.md with the soak's section replaced (or appended): from its heading to the next `## `."""
    old = open(markdown).read().split("\n") if os.path.exists(markdown) else ["# Benchmarks", ""]
    if HEADING in old:
        start = old.index(HEADING)
        end = next((i for i in range(start + 1, len(old)) if old[i].startswith("## ")), len(old))
        new = old[:start] + lines + old[end:]
    else:
        new = old + ([""] if old and old[-1] != "" else []) + lines
    with open(markdown, "w") as handle:
        handle.write("\n".join(new).rstrip("\n") + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--machine", required=True)
    parser.add_argument("--markdown", required=True)
    parser.add_argument("--plots", required=True, help="directory of the PNGs, relative to the markdown file's")
    parser.add_argument("results", nargs="+")
    arguments = parser.parse_args()
    results = [json.load(open(path)) for path in arguments.results]
    first = results[0]
    lines = [HEADING, "",
             f"Latest run of `Benchmarks/soak` ({datetime.date.today().isoformat()}), on one machine: {arguments.machine}. "
             f"Command: `SOAK_MINUTES={first['minutes']} Benchmarks/soak` (in `make bench`).",
             f"Each backend: {first['seeded_tokens']:,} seeded tokens, 2 workers × 2 threads on one unix socket behind nginx, "
             f"{first['rate']:.0f} requests/s from {first['threads']} paced threads (35% GET self, 28% gate checks that pass, "
             "5% gate checks by revoked tokens, 12% list, 10% creates, 6% self-rotations, 4% self-revocations), "
             "`tokend store compact` at 0:30 and kill -9 of worker B at 0:40 of every minute, figures at the end of each minute. "
             "The supervisor holds the socket and starts a killed worker again at once; requests in flight in it get nginx's 502. "
             "p50 and p99 cover every answered request of the minute but the 502s.",
             "The machine is shared with other builds and tests: latencies in particular move with their load, so a "
             "latency series that is not flat says as much about the neighbours as about tokend. RSS, descriptors and sizes do not.",
             ""]
    status, verdicts = 0, []
    for result in results:
        png = os.path.join(arguments.plots, f"soak-{result['backend']}.png")
        plot(result, png)
        relative = os.path.relpath(png, os.path.dirname(os.path.abspath(arguments.markdown)))
        lines += section_for(result, relative)
        for problem in failures(result):
            print(f"soak FAILED ({NAMES[result['backend']]}): {problem}", file=sys.stderr)
            status = 1
        for title, _, values in series(result):
            spread, flat = flatness(values)
            if flat is False:
                verdicts.append(f"{NAMES[result['backend']]}: {title} not flat within {FLAT:.0%} after minute {SETTLE} "
                                f"(spread {'-' if spread is None else f'{spread:.1%}'}: {values})")
    analysis = os.path.join(os.path.dirname(os.path.abspath(__file__)), "soak-analysis.md")
    if os.path.exists(analysis):  # what the committed run found, written by hand
        lines += open(analysis).read().rstrip("\n").split("\n") + [""]
    replace_section(arguments.markdown, lines)
    for verdict in verdicts:
        print(f"soak pass rule failed: {verdict}", file=sys.stderr)
    if not verdicts and status == 0:
        print("soak: every series flat within 10% after minute 2; no write lost; checks passed", file=sys.stderr)
    sys.exit(status)


if __name__ == "__main__":
    main()
