"""The benchmark scenarios and the sizes they run at."""

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Scenario:
    """How many clients, where they sit, and how the senders send."""

    name: str
    clients: int
    rooms: int
    senders: int
    duration_s: float
    in_flight: int = 0
    rate_per_sender: float = 0.0
    connect_rate: float = 1000.0
    connect_concurrency: int = 500
    connect_timeout_s: float = 10.0
    # S5: clients reloading the form page in a loop, and whether one user keeps joining
    # rooms of the stored history (`bench-0` to `bench-<history_rooms - 1>`) and catching up.
    page_loaders: int = 0
    join_probes: bool = False
    history_rooms: int = 1000


FULL = {
    "S1": Scenario("S1", clients=200, rooms=1, senders=10, duration_s=10, in_flight=4),
    "S2": Scenario("S2", clients=500, rooms=10, senders=20, duration_s=10, rate_per_sender=20),
    "S3": Scenario("S3", clients=10_000, rooms=100, senders=0, duration_s=10),
    "S4": Scenario("S4", clients=10_000, rooms=1, senders=0, duration_s=10),
    "S5": Scenario(
        "S5",
        clients=200,
        rooms=10,
        senders=10,
        duration_s=15,
        rate_per_sender=10,
        page_loaders=8,
        join_probes=True,
    ),
}

QUICK = {
    "S1": replace(FULL["S1"], clients=20, senders=2, duration_s=2),
    "S2": replace(FULL["S2"], clients=50, rooms=5, senders=5, duration_s=2),
    "S3": replace(FULL["S3"], clients=200, rooms=10, duration_s=2),
    "S4": replace(FULL["S4"], clients=300, duration_s=2),
    "S5": replace(FULL["S5"], clients=40, rooms=4, senders=4, duration_s=3, page_loaders=2),
}


def scenario(name, quick=False, clients=None):
    """Return the named scenario, optionally quick-sized or with another client count."""
    chosen = (QUICK if quick else FULL)[name]
    if clients is not None:
        chosen = replace(chosen, clients=clients)
    return chosen
