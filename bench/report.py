"""Turning the runs into medians, ratios and a markdown table."""

import json
import os
import platform
import statistics
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata

from servers import REFERENCE_DIR

PYTHON_PACKAGES = ("flask", "flask-socketio", "python-socketio", "python-engineio", "eventlet")
NODE_PACKAGES = ("socket.io", "express", "ws")


@dataclass(frozen=True)
class Metric:
    """One number read from a run's summary."""

    scenario: str
    label: str
    read: Callable
    headline: bool = False


def connected_percent(summary):
    """Return the share of target clients that connected."""
    clients = summary["clients"]
    return 100 * clients["connected"] / clients["target"]


def joined_percent(summary):
    """Return the share of target clients whose join was answered in time."""
    clients = summary["clients"]
    return 100 * clients["joined"] / clients["target"]


def cpu_per_delivery_us(summary):
    """Server CPU during the send phase and its drain, per delivery made."""
    deliveries = summary["deliveries"]
    made = deliveries["delivered"] + deliveries["delivered_of_unacked_messages"]
    return 1e6 * summary["server"]["phase_cpu_s"] / made


def departure(summary):
    """Server CPU seconds spent after every client closed."""
    return summary["server"]["departure_cpu_s"]


METRICS = (
    Metric("S1", "deliveries/s", lambda s: s["deliveries"]["per_s"], headline=True),
    Metric("S1", "latency p99 (ms)", lambda s: s["latency_ms"]["p99"]),
    Metric("S1", "lost deliveries", lambda s: s["deliveries"]["lost"]),
    Metric("S2", "latency p99 (ms)", lambda s: s["latency_ms"]["p99"], headline=True),
    Metric("S2", "latency p50 (ms)", lambda s: s["latency_ms"]["p50"]),
    Metric("S2", "lost deliveries", lambda s: s["deliveries"]["lost"]),
    Metric("S2", "server CPU per delivery (µs)", cpu_per_delivery_us, headline=True),
    Metric("S3", "connected (%)", connected_percent, headline=True),
    Metric(
        "S3", "memory per connection (KiB)", lambda s: s["server"]["rss_per_connection_kib"], True
    ),
    Metric("S3", "connect p99 (ms)", lambda s: s["connect_ms"]["p99"]),
    Metric("S3", "server peak RSS (MiB)", lambda s: s["server"]["rss_peak_kib"] / 1024),
    Metric("S4", "joined (%)", joined_percent, headline=True),
    Metric("S4", "all joined after (s)", lambda s: s["all_joined_s"], headline=True),
    Metric("S4", "connect and join p50 (ms)", lambda s: s["ready_ms"]["median"]),
    Metric("S4", "connect and join p99 (ms)", lambda s: s["ready_ms"]["p99"]),
    Metric(
        "S4", "memory per connection (KiB)", lambda s: s["server"]["rss_per_connection_kib"], True
    ),
    Metric("S4", "server CPU, all joining (s)", lambda s: s["server"]["cpu_s"] - departure(s)),
    Metric("S4", "server CPU, all leaving at once (s)", lambda s: s["server"]["departure_cpu_s"]),
)


def probe(name, percentile):
    """A percentile of one of S5's probed times."""
    return lambda summary: summary["probes"][name][percentile]


# S5: ours alone, compared across history sizes rather than with the reference.
HISTORY_METRICS = (
    Metric("S5", "form page p50 (ms)", probe("page_ms", "median")),
    Metric("S5", "form page p99 (ms)", probe("page_ms", "p99"), headline=True),
    Metric("S5", "join p50 (ms)", probe("join_ms", "median")),
    Metric("S5", "join p99 (ms)", probe("join_ms", "p99"), headline=True),
    Metric("S5", "catch-up p99 (ms)", probe("catch_up_ms", "p99"), headline=True),
    Metric("S5", "delivery p99 (ms)", lambda s: s["latency_ms"]["p99"], headline=True),
    Metric("S5", "delivery p50 (ms)", lambda s: s["latency_ms"]["p50"]),
    Metric("S5", "form pages loaded", lambda s: s["probes"]["page_ms"]["count"]),
    Metric("S5", "joins probed", lambda s: s["probes"]["join_ms"]["count"]),
    Metric("S5", "failed requests", lambda s: sum(s["probes"]["failures"].values())),
    Metric("S5", "lost deliveries", lambda s: s["deliveries"]["lost"]),
)


def read_metric(metric, run):
    """Return a metric's value for one run, or None when the run has no such number."""
    if "summary" not in run:
        return None
    try:
        return metric.read(run["summary"])
    except (KeyError, TypeError, ZeroDivisionError):
        return None


# Each ratio a table shows when both its systems ran: (key, heading, numerator, denominator).
RATIOS = (
    ("ratio", "ours / reference", "ours", "reference"),
    ("floor_ratio", "floor / reference", "floor", "reference"),
    ("above_floor_ratio", "ours / floor", "ours", "floor"),
    ("postgresql_ratio", "PostgreSQL / SQLite", "ours-postgresql", "ours"),
)
# How each system is headed in a table.
HEADINGS = {
    "reference": "reference",
    "floor": "floor",
    "ours": "ours",
    "ours-postgresql": "ours on PostgreSQL",
}


def medians(runs, systems):
    """Return, per metric of the scenarios run, the median per system and the ratios."""
    rows = []
    for metric in METRICS:
        scenario_runs = [run for run in runs if run["scenario"] == metric.scenario]
        if not scenario_runs:
            continue
        row = {"scenario": metric.scenario, "metric": metric.label, "headline": metric.headline}
        for system in systems:
            values = [read_metric(metric, run) for run in scenario_runs if run["system"] == system]
            values = [value for value in values if value is not None]
            row[system] = statistics.median(values) if values else None
        for key, _, numerator, denominator in RATIOS:
            row[key] = ratio(row.get(numerator), row.get(denominator))
        rows.append(row)
    return rows


def history_medians(runs, sizes):
    """Per S5 metric, the median at each history size, and the largest size's over none's."""
    s5_runs = [run for run in runs if run["scenario"] == "S5"]
    if not s5_runs:
        return []
    rows = []
    for metric in HISTORY_METRICS:
        row = {"metric": metric.label, "headline": metric.headline, "sizes": {}}
        for size in sizes:
            values = [read_metric(metric, run) for run in s5_runs if run.get("history") == size]
            values = [value for value in values if value is not None]
            row["sizes"][str(size)] = statistics.median(values) if values else None
        row["ratio"] = ratio(row["sizes"][str(sizes[-1])], row["sizes"][str(sizes[0])])
        rows.append(row)
    return rows


def ratio(numerator, denominator):
    """Return numerator/denominator, or None when it is undefined."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def machine():
    """Describe the host the numbers came from."""
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
    model = next(
        (line.split(":", 1)[1].strip() for line in lscpu if line.startswith("Model name")), ""
    )
    return {"cpus": os.cpu_count(), "cpu_model": model, "kernel": platform.release()}


def versions():
    """Return the versions of the runtimes and libraries under test."""
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    found = {"node": node, "python": platform.python_version()}
    for package in NODE_PACKAGES:
        manifest = REFERENCE_DIR / "node_modules" / package / "package.json"
        if manifest.exists():
            found[package] = json.loads(manifest.read_text())["version"]
    for package in PYTHON_PACKAGES:
        found[package] = metadata.version(package)
    found["gunicorn"] = metadata.version("gunicorn")
    return found


def format_number(value):
    """Show a number compactly, or a dash when missing."""
    if value is None:
        return "-"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.2f}"


def markdown(results):
    """Render the medians table and the per-run table."""
    systems = results.get("systems", ["reference", "ours"])
    ratios = [(key, heading) for key, heading, a, b in RATIOS if {a, b} <= set(systems)]
    headings = [f"{HEADINGS[system]} (median)" for system in systems]
    headings += [heading for _, heading in ratios]
    lines = [
        f"Runs: {results['rounds']} per system and scenario, alternating "
        + ", ".join(HEADINGS[system] for system in systems)
        + ".",
    ]
    if results["medians"]:
        lines += [
            "",
            "| scenario | metric | " + " | ".join(headings) + " |",
            "| --- | --- |" + " ---: |" * len(headings),
        ]
    for row in results["medians"]:
        label = f"**{row['metric']}**" if row["headline"] else row["metric"]
        cells = [format_number(row.get(system)) for system in systems]
        cells += ["-" if row[key] is None else f"{row[key]:.2f}" for key, _ in ratios]
        lines.append(f"| {row['scenario']} | {label} | " + " | ".join(cells) + " |")
    lines += history_table(results.get("history_medians") or [])
    lines += ["", *run_table(results["runs"])]
    return "\n".join(lines) + "\n"


def history_table(rows):
    """S5's medians at each history size, and the largest size over none."""
    if not rows:
        return []
    sizes = list(rows[0]["sizes"])
    header = [f"{int(size):,}" for size in sizes]
    lines = [
        "",
        "S5, ours, by messages stored:",
        "",
        "| metric | " + " | ".join(header) + f" | {header[-1]} / 0 |",
        "| --- |" + " ---: |" * (len(sizes) + 1),
    ]
    for row in rows:
        label = f"**{row['metric']}**" if row["headline"] else row["metric"]
        cells = " | ".join(format_number(row["sizes"][size]) for size in sizes)
        shown_ratio = "-" if row["ratio"] is None else f"{row['ratio']:.2f}"
        lines.append(f"| {label} | {cells} | {shown_ratio} |")
    return lines


def run_table(runs):
    """Render one line per run, with the generator's CPU to show it kept up."""
    lines = [
        "| scenario | round | system | connected | deliveries/s | p50 ms | p99 ms | lost"
        " | server CPU s | server waiting for a core s | generator busiest CPU % | load 1m"
        " | error |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in runs:
        summary = run.get("summary") or {}
        latency = summary.get("latency_ms") or {}
        cells = [
            summary.get("clients", {}).get("connected"),
            summary.get("deliveries", {}).get("per_s"),
            latency.get("p50"),
            latency.get("p99"),
            summary.get("deliveries", {}).get("lost"),
            (summary.get("server") or {}).get("cpu_s"),
            (summary.get("server") or {}).get("waited_for_cpu_s"),
            summary.get("generator", {}).get("busiest_process_cpu_percent_during_phase"),
            run.get("load_average_1m"),
        ]
        system = run["system"] if "history" not in run else f"{run['system']}, {run['history']:,}"
        lines.append(
            f"| {run['scenario']} | {run['round']} | {system} | "
            + " | ".join(format_number(cell) for cell in cells)
            + f" | {run.get('error', '')} |"
        )
    return lines
