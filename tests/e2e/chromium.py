"""Launching Debian's Chromium (installed by .ci/setup) for Playwright, headless and quiet."""

from pathlib import Path

EXECUTABLE = Path("/usr/bin/chromium")
# Without the background-networking switches Chromium dials out at start-up, and a closed
# network answers with refusals that slow every launch.
ARGUMENTS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch(playwright):
    """Start a headless Chromium browser; complain clearly when it is not installed."""
    if not EXECUTABLE.exists():
        raise RuntimeError(f"{EXECUTABLE} is missing: run .ci/setup to install chromium")
    return playwright.chromium.launch(executable_path=str(EXECUTABLE), args=ARGUMENTS)
