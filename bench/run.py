"""Benchmark our chat server against the Node.js reference, alternating runs.

    python bench/run.py [--scenario S1|S2|S3|S4|S5|S1,S2|all] [--rounds 3] [--s3-clients 10000]
                        [--s5-history 0,1000000,10000000] [--quick] [--database sqlite|postgresql]
                        [--systems reference,floor,ours]

Each run starts a fresh server on a free 127.0.0.1 port, drives it with the load
generator (`python -m loadgen` in this directory) and stops it by pid. The floor (our stack
with the reference's handlers, floor/app.py) runs when --systems names it. With
`--database postgresql` ours also runs with its history in PostgreSQL (a throw-away
server for the whole benchmark, a new database per run), alternating with SQLite. S5 runs
ours alone, once per history size, on a copy of a database holding that many messages
(built once under bench/cache/ by history.py). Results go to bench/results/<timestamp>.json
and .md; the markdown tables are also printed.
"""

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loadgen.worker import raise_open_file_limit
from report import history_medians, machine, markdown, medians, versions
from servers import (
    BENCH_DIR,
    REPO_ROOT,
    SYSTEMS,
    ServerError,
    ensure_reference_installed,
    fresh_database,
    postgres_server,
    start_server,
    stop_server,
)

SCENARIOS = ("S1", "S2", "S3", "S4", "S5")
S5_HISTORY = (0, 1_000_000, 10_000_000)
QUICK_S5_HISTORY = (0, 100_000)
LOADGEN_TIMEOUT_S = 300.0
RESULTS_DIR = BENCH_DIR / "results"


def parse_args(argv):
    """Read the command line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--scenario", default="all", help="S1 to S5, several joined by commas, or all"
    )
    parser.add_argument("--rounds", type=int, default=3, help="runs per system and scenario")
    parser.add_argument("--s3-clients", type=int, help="clients held in S3 (default 10000)")
    parser.add_argument(
        "--s5-history",
        help="stored messages S5 runs with, comma-separated (default 0,1000000,10000000)",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, short runs (smoke test)")
    parser.add_argument(
        "--no-deflate", action="store_true", help="clients do not offer permessage-deflate"
    )
    parser.add_argument(
        "--systems",
        default="reference,ours",
        help="comma-separated subset of reference,floor,ours",
    )
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="postgresql: ours runs with its history on SQLite and on PostgreSQL, alternating",
    )
    args = parser.parse_args(argv)
    args.scenarios = SCENARIOS if args.scenario == "all" else tuple(args.scenario.split(","))
    if not set(args.scenarios) <= set(SCENARIOS):
        parser.error(f"--scenario takes {', '.join(SCENARIOS)} or all, not {args.scenario}")
    chosen = args.systems.split(",")
    if args.database == "postgresql" and "ours" in chosen:
        chosen.append("ours-postgresql")
    args.systems = tuple(system for system in SYSTEMS if system in chosen)
    default = QUICK_S5_HISTORY if args.quick else S5_HISTORY
    args.s5_history = (
        tuple(int(size) for size in args.s5_history.split(",")) if args.s5_history else default
    )
    return args


def loadgen_command(scenario, server, args):
    """Return the generator's argv for one run."""
    argv = [sys.executable, "-m", "loadgen", "--url", server.url, "--scenario", scenario]
    argv += ["--server-pid", str(server.process.pid)]
    if args.quick:
        argv.append("--quick")
    if args.no_deflate:
        argv.append("--no-deflate")
    if scenario == "S3" and args.s3_clients:
        argv += ["--clients", str(args.s3_clients)]
    return argv


def run_loadgen(argv):
    """Run the generator in its own process group and return its JSON summary."""
    process = subprocess.Popen(
        argv, cwd=BENCH_DIR, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        output, _ = process.communicate(timeout=LOADGEN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise RuntimeError(f"load generator exceeded {LOADGEN_TIMEOUT_S:.0f} s") from None
    if process.returncode != 0:
        raise RuntimeError(f"load generator exited with {process.returncode}")
    return json.loads(output)


def run_once(system, scenario, round_number, args, history=None):
    """Start a fresh server (on a fresh database, or a copy of `history` stored messages),
    run one scenario against it, stop it."""
    run = {"scenario": scenario, "round": round_number, "system": system}
    if history is not None:
        run["history"] = history
    # A busy neighbour on a small machine shows up here before it shows up in the numbers.
    run["load_average_1m"] = os.getloadavg()[0]
    with (
        tempfile.TemporaryDirectory(prefix=f"bench-{system}-") as workdir,
        history_database(system, args) as database,
    ):
        try:
            server = start_server(system, Path(workdir), database, history or 0)
        except ServerError as error:
            return {**run, "error": str(error).splitlines()[0], "detail": str(error)}
        try:
            run["summary"] = run_loadgen(loadgen_command(scenario, server, args))
        except (RuntimeError, json.JSONDecodeError) as error:
            run["error"] = str(error)
        finally:
            stop_server(server)
    return run


def history_database(system, args):
    """A fresh PostgreSQL database for a run of ours-postgresql (yields its URL), else
    nothing to set up (yields None)."""
    if system == "ours-postgresql":
        return fresh_database(args.postgres)
    return contextlib.nullcontext()


def run_all(args):
    """Alternate the systems (A B A B ...) for each scenario and round; for S5, ours on each
    history size in turn."""
    runs = []
    for scenario in args.scenarios:
        for round_number in range(1, args.rounds + 1):
            for system, history in variants(scenario, args):
                shown = system if history is None else f"{system}, {history:,} messages"
                print(f"{scenario} round {round_number}: {shown} ...", file=sys.stderr, flush=True)
                runs.append(run_once(system, scenario, round_number, args, history))
                if "error" in runs[-1]:
                    print(f"  error: {runs[-1]['error']}", file=sys.stderr, flush=True)
    return runs


def variants(scenario, args):
    """(system, history size or None) of each run a round of the scenario makes."""
    if scenario == "S5":
        return [("ours", size) for size in args.s5_history] if "ours" in args.systems else []
    return [(system, None) for system in args.systems]


def write_results(results):
    """Save the JSON and markdown next to each other and return their paths."""
    RESULTS_DIR.mkdir(exist_ok=True)
    stem = RESULTS_DIR / results["started"].replace(":", "")
    json_path, markdown_path = stem.with_suffix(".json"), stem.with_suffix(".md")
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    markdown_path.write_text(markdown(results))
    return json_path, markdown_path


def main(argv=None):
    """Run the benchmark and report medians and ratios."""
    args = parse_args(argv)
    raise_open_file_limit()
    if "reference" in args.systems:
        ensure_reference_installed()
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    with contextlib.ExitStack() as stack:
        if "ours-postgresql" in args.systems:
            args.postgres = stack.enter_context(postgres_server())
        runs = run_all(args)
    results = {
        "started": started,
        "command": " ".join(["python", "bench/run.py", *(argv or sys.argv[1:])]),
        "rounds": args.rounds,
        "quick": args.quick,
        "systems": list(args.systems),
        "machine": machine(),
        "versions": versions(),
        "gunicorn_conf_present": (REPO_ROOT / "gunicorn.conf.py").exists(),
        "medians": medians(runs, args.systems),
        "history_medians": history_medians(runs, args.s5_history),
        "runs": runs,
    }
    paths = write_results(results)
    print(markdown(results))
    print("written: " + ", ".join(str(path) for path in paths), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
