"""Reading a server's memory and CPU from /proc, including its child processes."""

import os
import threading
import time
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_tree(pid):
    """Return the pid and all its live descendants."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                pending.extend(int(child) for child in children.read_text().split())
            except OSError:
                continue
    return tree


def status_kib(pid, field):
    """Return a `kB` field of /proc/<pid>/status, or 0 if the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid):
    """Return user plus system CPU seconds of one process, or 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def waited_for_cpu_seconds(pid):
    """Return the seconds the threads of one process have spent ready to run but waiting for
    a core (the scheduler's run delay), or 0 if it is gone."""
    waited_ns = 0
    for schedstat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            waited_ns += int(schedstat.read_text().split()[1])
        except OSError:
            continue
    return waited_ns / 1e9


class ServerMonitor:
    """Samples the summed RSS and CPU time of a server's process tree in a background thread."""

    def __init__(self, pid, interval_s=0.1):
        self.pid = pid
        self.interval_s = interval_s
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._sample_until_stopped, daemon=True)
        self.rss_before_kib = self.rss_kib()
        self.rss_peak_kib = self.rss_before_kib
        self.cpu_before_s = self.cpu_s()
        self.waited_before_s = self.waited_for_cpu_s()
        # (time.monotonic_ns(), CPU seconds so far), one per sample.
        self.cpu_samples = [(time.monotonic_ns(), self.cpu_before_s)]

    def rss_kib(self):
        """Return the current resident memory of the whole tree."""
        return sum(status_kib(pid, "VmRSS") for pid in process_tree(self.pid))

    def cpu_s(self):
        """Return the CPU seconds used so far by the whole tree."""
        return sum(cpu_seconds(pid) for pid in process_tree(self.pid))

    def waited_for_cpu_s(self):
        """Return the seconds the whole tree has spent waiting for a core so far."""
        return sum(waited_for_cpu_seconds(pid) for pid in process_tree(self.pid))

    def start(self):
        """Begin sampling."""
        self.thread.start()

    def cpu_between(self, from_ns, to_ns=None):
        """CPU seconds the tree used between the samples nearest before from_ns and to_ns
        (the latest sample when to_ns is None)."""
        return self._cpu_at(to_ns) - self._cpu_at(from_ns)

    def _cpu_at(self, at_ns):
        """The CPU seconds of the last sample taken at or before at_ns (None: the latest)."""
        if at_ns is None:
            return self.cpu_samples[-1][1]
        before = [cpu for sampled_ns, cpu in self.cpu_samples if sampled_ns <= at_ns]
        return before[-1] if before else self.cpu_samples[0][1]

    def wait_until_idle(self, quiet_s=1.0, idle_cpu_share=0.02, timeout_s=60.0):
        """Wait (at most timeout_s) until the tree used under idle_cpu_share of a core over
        quiet_s seconds, i.e. has finished what the clients left it to do."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            before = self.cpu_s()
            time.sleep(quiet_s)
            if self.cpu_s() - before < idle_cpu_share * quiet_s:
                return

    def stop(self):
        """Stop sampling and return what was seen."""
        self.stopped.set()
        self.thread.join()
        tree = process_tree(self.pid)
        return {
            "pid": self.pid,
            "processes": len(tree),
            "rss_before_kib": self.rss_before_kib,
            "rss_peak_kib": self.rss_peak_kib,
            "rss_end_kib": self.rss_kib(),
            "vm_hwm_kib": {pid: status_kib(pid, "VmHWM") for pid in tree},
            "cpu_s": round(self.cpu_s() - self.cpu_before_s, 2),
            # On a shared machine: how long the server could have run but had no core.
            "waited_for_cpu_s": round(self.waited_for_cpu_s() - self.waited_before_s, 2),
        }

    def _sample_until_stopped(self):
        """Track the peak RSS, and the CPU time, until asked to stop."""
        while not self.stopped.wait(self.interval_s):
            self.rss_peak_kib = max(self.rss_peak_kib, self.rss_kib())
            self.cpu_samples.append((time.monotonic_ns(), self.cpu_s()))
