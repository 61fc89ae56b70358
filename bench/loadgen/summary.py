"""Merging the per-process reports into the one JSON summary."""

from array import array
from collections import Counter

from .stats import Histogram, grow, percentile


def summarise(scenario, reports, server, generator):
    """Return the run's summary as a JSON-ready dict."""
    joined = merge_counters(report["joined"] for report in reports)
    summary = {
        "scenario": scenario.name,
        "settings": scenario_settings(scenario),
        "clients": client_summary(scenario, reports, joined),
        "connect_ms": time_summary(reports, "connect_ms"),
        "ready_ms": time_summary(reports, "ready_ms"),
        "all_joined_s": all_joined_s(reports),
        "messages": message_summary(reports),
        "deliveries": delivery_summary(reports, joined),
        "latency_ms": latency_summary(reports),
        "generator": generator_summary(reports, generator),
        "server": server,
    }
    if scenario.page_loaders or scenario.join_probes:
        summary["probes"] = probe_summary(reports)
    if server is not None and summary["clients"]["connected"]:
        grown = server["rss_peak_kib"] - server["rss_before_kib"]
        server["rss_per_connection_kib"] = round(grown / summary["clients"]["connected"], 2)
    return summary


def scenario_settings(scenario):
    """Return the knobs the run used."""
    return {key: value for key, value in vars(scenario).items() if key != "name"}


def merge_counters(dicts):
    """Sum a sequence of {key: count} dicts."""
    total = Counter()
    for counts in dicts:
        total.update(counts)
    return total


def client_summary(scenario, reports, joined):
    """Return how many clients connected, joined, failed and stayed."""
    connected = sum(len(report["connect_ms"]) for report in reports)
    return {
        "target": scenario.clients,
        "connected": connected,
        "joined": sum(joined.values()),
        "connected_not_joined": connected - sum(joined.values()),
        "still_connected_at_end": sum(report["still_connected"] for report in reports),
        "deflate_negotiated": sum(report["deflate"] for report in reports),
        "failures": dict(merge_counters(report["failures"] for report in reports)),
    }


def probe_summary(reports):
    """Percentiles of the form page's, the probed joins' and catch-ups' times, and failures."""
    measured = [report["probes"] for report in reports]
    summary = {
        name: {"count": sum(len(times[name]) for times in measured), **time_summary(measured, name)}
        for name in ("page_ms", "join_ms", "catch_up_ms")
    }
    summary["failures"] = dict(merge_counters(times["failures"] for times in measured))
    return summary


def time_summary(reports, key):
    """Percentiles of one time (per client: connect, or connect and join; per probe) over
    every report."""
    times = sorted(time for report in reports for time in report[key])
    return {
        "median": rounded(percentile(times, 0.5)),
        "p99": rounded(percentile(times, 0.99)),
        "max": rounded(times[-1] if times else None),
    }


def all_joined_s(reports):
    """Seconds from the first client starting to connect to the last join answered."""
    last_ns = max(report["last_joined_ns"] for report in reports)
    if not last_ns:
        return None
    return rounded((last_ns - min(report["ramp_started_ns"] for report in reports)) / 1e9)


def message_summary(reports):
    """Return how many messages were sent and acknowledged."""
    senders = [sender for report in reports for sender in report["senders"].values()]
    return {
        "senders": len(senders),
        "sent": sum(len(sender["acked"]) for sender in senders),
        "acked": sum(sum(sender["acked"]) for sender in senders),
    }


def delivery_summary(reports, joined):
    """Compare deliveries with what every room member should have received."""
    counts = merge_deliveries(report["deliveries"] for report in reports)
    expected = delivered = unacked_delivered = 0
    for report in reports:
        for index, sender in report["senders"].items():
            receivers = joined[sender["room"]] - 1
            received = counts.get(index, array("I"))
            for sequence, acked in enumerate(sender["acked"]):
                got = received[sequence] if sequence < len(received) else 0
                if acked:
                    expected += receivers
                    delivered += got
                else:
                    unacked_delivered += got
    start_ns = min(report["start_ns"] for report in reports)
    last_ns = max((report["last_delivery_ns"] or 0) for report in reports)
    span_s = (last_ns - start_ns) / 1e9 if last_ns > start_ns else None
    return {
        "expected": expected,
        "delivered": delivered,
        "lost": max(0, expected - delivered),
        "duplicates": sum(report["duplicates"] for report in reports),
        "other_events_received": sum(report["other_events"] for report in reports),
        "delivered_of_unacked_messages": unacked_delivered,
        "per_s": round((delivered + unacked_delivered) / span_s) if span_s else 0,
        "span_s": rounded(span_s),
    }


def merge_deliveries(per_process):
    """Sum per-message receiver counts across processes."""
    total = {}
    for deliveries in per_process:
        for sender, counts in deliveries.items():
            merged = total.setdefault(sender, array("I"))
            grow(merged, len(counts) - 1)
            for sequence, count in enumerate(counts):
                merged[sequence] += count
    return total


def latency_summary(reports):
    """Return end-to-end latency percentiles in milliseconds."""
    histogram = Histogram()
    for report in reports:
        histogram.merge(Histogram(*report["latency_us"]))
    if histogram.total() == 0:
        return None
    return {
        "p50": rounded(histogram.percentile(0.5) / 1000),
        "p90": rounded(histogram.percentile(0.9) / 1000),
        "p99": rounded(histogram.percentile(0.99) / 1000),
        "max": rounded(histogram.maximum / 1000),
        "samples": histogram.total(),
    }


def generator_summary(reports, generator):
    """Return the generator's CPU use, so saturation would be visible."""
    busiest = max(report["phase_cpu_s"] / report["phase_wall_s"] for report in reports)
    return {
        "processes": len(reports),
        "offers_deflate": generator["offers_deflate"],
        "cpu_s": round(generator["cpu_s"] + sum(report["cpu_s"] for report in reports), 2),
        "wall_s": round(generator["wall_s"], 2),
        "busiest_process_cpu_percent_during_phase": round(100 * busiest, 1),
    }


def rounded(value, digits=2):
    """Round a number for display, passing None through."""
    return None if value is None else round(value, digits)
