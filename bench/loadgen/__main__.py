"""Command line: run one scenario against a chat server and print a JSON summary."""

import argparse
import json
import multiprocessing
import os
import queue
import resource
import secrets
import sys
import threading
import time
from dataclasses import replace
from urllib.parse import urlsplit

from .procstat import ServerMonitor
from .scenarios import FULL, scenario
from .summary import summarise
from .worker import (
    ACK_TIMEOUT_S,
    BARRIER_SLACK_S,
    DRAIN_MAX_S,
    Assignment,
    raise_open_file_limit,
    worker_main,
)

REPORT_SLACK_S = 30.0


def parse_args(argv):
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="python -m loadgen", description=__doc__)
    parser.add_argument(
        "--url", default="http://127.0.0.1:5000", help="server base URL (127.0.0.1 only)"
    )
    parser.add_argument("--scenario", choices=sorted(FULL), default="S1")
    parser.add_argument("--quick", action="store_true", help="small sizes and short durations")
    parser.add_argument("--clients", type=int, help="override the scenario's client count")
    parser.add_argument(
        "--duration", type=float, help="override the scenario's duration in seconds"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="generator processes")
    parser.add_argument("--no-deflate", action="store_true", help="do not offer permessage-deflate")
    parser.add_argument("--server-pid", type=int, help="sample this process tree's memory and CPU")
    args = parser.parse_args(argv)
    address = urlsplit(args.url)
    if address.hostname != "127.0.0.1":
        parser.error("only 127.0.0.1 may be a target")
    args.host, args.port = address.hostname, address.port or 80
    return args


def chosen_scenario(args):
    """Return the scenario with any command-line overrides applied."""
    chosen = scenario(args.scenario, quick=args.quick, clients=args.clients)
    if args.duration is not None:
        chosen = replace(chosen, duration_s=args.duration)
    return chosen


def run_workers(assignments, monitor):
    """Start one process per assignment, release them together, collect reports."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(assignments) + 1)
    results = context.Queue()
    processes = [
        context.Process(target=worker_main, args=(each, barrier, results)) for each in assignments
    ]
    for process in processes:
        process.start()
    if monitor is not None:
        monitor.start()
    first = assignments[0]
    barrier.wait(first.connect_budget_s() + BARRIER_SLACK_S)
    connected_rss = monitor.rss_kib() if monitor is not None else None
    timeout = first.scenario.duration_s + DRAIN_MAX_S + ACK_TIMEOUT_S + REPORT_SLACK_S
    try:
        reports = [results.get(timeout=timeout) for _ in processes]
    finally:
        stop_processes(processes)
    return sorted(reports, key=lambda report: report["worker"]), connected_rss


def stop_processes(processes):
    """Join the worker processes, killing any that hang."""
    for process in processes:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
            process.join()


def main(argv=None):
    """Run the scenario and print its summary."""
    args = parse_args(argv)
    raise_open_file_limit()
    chosen = chosen_scenario(args)
    tag = secrets.token_hex(2)
    assignments = [
        Assignment(chosen, args.host, args.port, worker, args.workers, tag, not args.no_deflate)
        for worker in range(args.workers)
    ]
    monitor = ServerMonitor(args.server_pid) if args.server_pid else None
    began = time.monotonic()
    try:
        reports, connected_rss = run_workers(assignments, monitor)
    except (queue.Empty, threading.BrokenBarrierError) as error:
        print(
            f"loadgen: a generator process failed or hung ({type(error).__name__})", file=sys.stderr
        )
        return 1
    server = None
    if monitor is not None:
        # Every client closes at once at the end: what that costs the server counts too.
        monitor.wait_until_idle()
        closing_ns = min(report["closing_ns"] for report in reports)
        phase_cpu_s = monitor.cpu_between(min(report["start_ns"] for report in reports), closing_ns)
        departure_cpu_s = monitor.cpu_between(closing_ns)
        server = monitor.stop()
        server["rss_after_connect_kib"] = connected_rss
        server["phase_cpu_s"] = round(phase_cpu_s, 2)
        server["departure_cpu_s"] = round(departure_cpu_s, 2)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    generator = {
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "wall_s": time.monotonic() - began,
        "offers_deflate": not args.no_deflate,
    }
    print(json.dumps(summarise(chosen, reports, server, generator), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
