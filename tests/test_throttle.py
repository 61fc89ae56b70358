"""The guess throttle: waits that double, a ceiling, a bounded table, reports in summary."""

from chat.core.throttle import GuessThrottle


class Clock:
    """A monotonic clock that moves only when told to."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def throttle(clock, **settings):
    return GuessThrottle(clock=clock, **settings)


def test_the_wait_stops_growing_at_its_ceiling():
    clock = Clock()
    guesses = throttle(clock, longest_delay=60.0)
    for _ in range(40):
        clock.now += guesses.wait("a")
        guesses.failed("a")
    assert guesses.wait("a") == 60.0


def test_a_success_forgets_the_failures():
    clock = Clock()
    guesses = throttle(clock)
    for _ in range(5):
        guesses.failed("a")
    guesses.succeeded("a")
    assert guesses.wait("a") == 0.0


def test_an_address_is_forgotten_a_while_after_its_last_failure():
    clock = Clock()
    guesses = throttle(clock, forget_after=900.0)
    for _ in range(8):
        guesses.failed("a")
    clock.now += 901.0
    guesses.failed("a")
    assert guesses.wait("a") == 0.0, "counting starts again"


def test_the_table_keeps_only_the_most_recent_addresses():
    clock = Clock()
    guesses = throttle(clock, capacity=100)
    for _ in range(3):
        guesses.failed("first")
    for number in range(1000):
        guesses.failed(f"address {number}")
    assert guesses.wait("first") == 0.0, "the oldest address made room"


def test_refusals_are_reported_at_most_once_per_interval_with_their_count():
    clock = Clock()
    guesses = throttle(clock)
    reports = []
    for _ in range(30):
        reports.append(guesses.refused("a", report_every=60.0))
        clock.now += 5.0
    assert [count for count in reports if count] == [1, 12, 12]
