"""One load-generating process: its share of the clients, senders and receivers."""

import asyncio
import functools
import resource
import time
from array import array
from collections import Counter
from dataclasses import dataclass

from . import probes
from .chatclient import ChatClient
from .stats import DeliveryTally, Receiver

ACK_TIMEOUT_S = 10.0
QUIET_S = 1.0
DRAIN_MAX_S = 10.0
BARRIER_SLACK_S = 60.0


@dataclass(frozen=True)
class Assignment:
    """Which clients this process owns and where they connect."""

    scenario: object
    host: str
    port: int
    worker: int
    workers: int
    tag: str
    offer_deflate: bool = True

    def client_indices(self):
        """Return the global indices of this process's clients."""
        return range(self.worker, self.scenario.clients, self.workers)

    def nick(self, index):
        """Return a nickname unique to this run (at most 32 characters)."""
        return f"b{self.worker}_{index}_{self.tag}"

    def room(self, index):
        """Return the room a client joins."""
        return f"bench-{index % self.scenario.rooms}"

    def connect_budget_s(self):
        """Return how long the whole ramp may take before stragglers are dropped."""
        scenario = self.scenario
        return scenario.clients / scenario.connect_rate + 2 * scenario.connect_timeout_s + 5


@dataclass
class Ramp:
    """What happened while connecting and joining."""

    connect_ms: list
    ready_ms: list
    failures: Counter
    joined: Counter
    deflate: int = 0
    started_ns: int = 0
    last_joined_ns: int = 0


class Sender:
    """A client that sends numbered, timestamped messages to its room."""

    def __init__(self, client, index, room, tally):
        self.client = client
        self.index = index
        self.room = room
        self.tally = tally
        self.acked = array("B")

    def send(self):
        """Emit the next message; the returned future resolves with its ack."""
        sequence = len(self.acked)
        self.acked.append(0)
        text = f"bench {self.index} {sequence} {time.monotonic_ns()}"
        future = self.client.emit("chat message", {"room": self.room, "text": text})
        future.add_done_callback(functools.partial(self._on_ack, sequence))
        return future

    def _on_ack(self, sequence, future):
        """Mark a message acknowledged when the server said ok."""
        self.tally.last_activity_ns = time.monotonic_ns()
        ack = future.result()
        if isinstance(ack, dict) and ack.get("ok"):
            self.acked[sequence] = 1


def worker_main(assignment, barrier, results):
    """Process entry point: run the share and put its report on the queue."""
    raise_open_file_limit()
    try:
        results.put(asyncio.run(run_worker(assignment, barrier)))
    except BaseException:
        barrier.abort()
        raise


def raise_open_file_limit():
    """Allow as many sockets as the hard limit permits."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def run_worker(assignment, barrier):
    """Connect, wait for every process, run the phase, drain, and report."""
    tally = DeliveryTally()
    clients = {
        index: ChatClient(
            assignment.nick(index), Receiver(tally).on_chat_message, assignment.offer_deflate
        )
        for index in assignment.client_indices()
    }
    ramp = await connect_all(assignment, clients)
    prober = await connect_prober(assignment)
    timeout = assignment.connect_budget_s() + BARRIER_SLACK_S
    await asyncio.to_thread(barrier.wait, timeout)
    start_ns, cpu_before = time.monotonic_ns(), cpu_seconds()
    senders = make_senders(assignment, clients, tally)
    deadline_ns = start_ns + int(assignment.scenario.duration_s * 1e9)
    measured = probes.ProbeTimes()
    probing = start_probes(assignment, prober, deadline_ns, measured)
    await run_phase(assignment.scenario, senders, start_ns, deadline_ns)
    await asyncio.gather(*probing)
    await drain(tally, deadline_ns)
    phase = {"cpu_s": cpu_seconds() - cpu_before, "wall_s": (time.monotonic_ns() - start_ns) / 1e9}
    report = build_report(assignment, clients, ramp, senders, tally, start_ns, phase)
    report["probes"] = vars(measured)
    report["closing_ns"] = time.monotonic_ns()
    for client in [*clients.values(), *([prober] if prober else [])]:
        client.close()
    return report


async def connect_prober(assignment):
    """The first process's probing user, connected, when the scenario probes joins."""
    if not (assignment.scenario.join_probes and assignment.worker == 0):
        return None
    prober = ChatClient(f"probe_{assignment.tag}", lambda _message: None, assignment.offer_deflate)
    await asyncio.wait_for(
        prober.connect(assignment.host, assignment.port), assignment.scenario.connect_timeout_s
    )
    return prober


def start_probes(assignment, prober, deadline_ns, measured):
    """This process's share of the page loaders, and the join prober if it has it."""
    scenario = assignment.scenario
    loaders = range(assignment.worker, scenario.page_loaders, assignment.workers)
    tasks = [
        asyncio.create_task(
            probes.reload_pages(assignment.host, assignment.port, deadline_ns, measured)
        )
        for _ in loaders
    ]
    if prober is not None:
        joins = probes.probe_joins(prober, scenario.history_rooms, deadline_ns, measured)
        tasks.append(asyncio.create_task(joins))
    return tasks


async def connect_all(assignment, clients):
    """Ramp connections at a bounded rate and concurrency, each with a timeout."""
    scenario = assignment.scenario
    ramp = Ramp(connect_ms=[], ready_ms=[], failures=Counter(), joined=Counter())
    ramp.started_ns = time.monotonic_ns()
    gate = asyncio.Semaphore(max(1, scenario.connect_concurrency // assignment.workers))
    interval = assignment.workers / scenario.connect_rate
    tasks = [
        asyncio.create_task(connect_one(assignment, index, client, order * interval, gate, ramp))
        for order, (index, client) in enumerate(clients.items())
    ]
    _, unfinished = await asyncio.wait(tasks, timeout=assignment.connect_budget_s())
    for task in unfinished:
        task.cancel()
    never_connected = len(clients) - len(ramp.connect_ms) - sum(ramp.failures.values())
    if never_connected:
        ramp.failures["ramp_budget_exceeded"] = never_connected
    ramp.connect_ms.sort()
    ramp.ready_ms.sort()
    return ramp


async def connect_one(assignment, index, client, delay, gate, ramp):
    """Connect and join one client, recording the time taken or why it failed."""
    await asyncio.sleep(delay)
    timeout = assignment.scenario.connect_timeout_s
    async with gate:
        began = time.monotonic()
        try:
            await asyncio.wait_for(client.connect(assignment.host, assignment.port), timeout)
        except Exception as error:  # every failure is a data point, named by its type
            ramp.failures[type(error).__name__] += 1
            client.close()
            return
        ramp.connect_ms.append((time.monotonic() - began) * 1000)
        ramp.deflate += client.deflate
        room = assignment.room(index)
        try:
            ack = await asyncio.wait_for(client.emit("join", {"room": room}), timeout)
        except TimeoutError:
            ack = None
    if isinstance(ack, dict) and ack.get("ok"):
        ramp.joined[room] += 1
        ramp.ready_ms.append((time.monotonic() - began) * 1000)
        ramp.last_joined_ns = time.monotonic_ns()


def make_senders(assignment, clients, tally):
    """Turn this process's connected sender clients into senders."""
    return [
        Sender(client, index, assignment.room(index), tally)
        for index, client in clients.items()
        if index < assignment.scenario.senders and client.alive
    ]


async def run_phase(scenario, senders, start_ns, deadline_ns):
    """Send (closed loop or fixed rate) until the deadline, then hold until it."""
    if scenario.in_flight:
        lanes = [
            closed_loop(sender, deadline_ns)
            for sender in senders
            for _ in range(scenario.in_flight)
        ]
    elif scenario.rate_per_sender:
        period_ns = 1e9 / scenario.rate_per_sender
        lanes = [
            fixed_rate(
                sender,
                start_ns + period_ns * sender.index / scenario.senders,
                deadline_ns,
                period_ns,
            )
            for sender in senders
        ]
    else:
        lanes = []
    await asyncio.gather(*lanes)
    remaining_s = (deadline_ns - time.monotonic_ns()) / 1e9
    if remaining_s > 0:
        await asyncio.sleep(remaining_s)


async def closed_loop(sender, deadline_ns):
    """Keep one message in flight: send the next as soon as the last is acked."""
    while time.monotonic_ns() < deadline_ns and sender.client.alive:
        done, _ = await asyncio.wait([sender.send()], timeout=ACK_TIMEOUT_S)
        if not done:
            return


async def fixed_rate(sender, first_ns, deadline_ns, period_ns):
    """Send on a fixed schedule regardless of acks, then wait for the acks."""
    pending = []
    due_ns = first_ns
    while due_ns < deadline_ns and sender.client.alive:
        delay_s = (due_ns - time.monotonic_ns()) / 1e9
        if delay_s > 0:
            await asyncio.sleep(delay_s)
        pending.append(sender.send())
        due_ns += period_ns
    if pending:
        await asyncio.wait(pending, timeout=ACK_TIMEOUT_S)


async def drain(tally, deadline_ns):
    """Wait for in-flight deliveries until things go quiet (bounded)."""
    limit_ns = deadline_ns + DRAIN_MAX_S * 1e9
    quiet_ns = QUIET_S * 1e9
    while (
        time.monotonic_ns() < limit_ns and time.monotonic_ns() - tally.last_activity_ns < quiet_ns
    ):
        await asyncio.sleep(0.1)


def cpu_seconds():
    """Return this process's user plus system CPU time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def build_report(assignment, clients, ramp, senders, tally, start_ns, phase):
    """Collect this process's numbers in a picklable dict."""
    return {
        "worker": assignment.worker,
        "assigned": len(clients),
        "connect_ms": ramp.connect_ms,
        "ready_ms": ramp.ready_ms,
        "failures": dict(ramp.failures),
        "joined": dict(ramp.joined),
        "ramp_started_ns": ramp.started_ns,
        "last_joined_ns": ramp.last_joined_ns,
        "deflate": ramp.deflate,
        "still_connected": sum(client.alive for client in clients.values()),
        "other_events": sum(client.other_events for client in clients.values()),
        "senders": {
            sender.index: {"room": sender.room, "acked": sender.acked} for sender in senders
        },
        "deliveries": tally.receivers_per_message,
        "duplicates": tally.duplicates,
        "latency_us": (tally.latency_us.counts, tally.latency_us.maximum),
        "start_ns": start_ns,
        "last_delivery_ns": tally.last_ns,
        "cpu_s": cpu_seconds(),
        "phase_cpu_s": phase["cpu_s"],
        "phase_wall_s": phase["wall_s"],
    }
