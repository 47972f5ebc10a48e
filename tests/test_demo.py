"""`muffin-feed demo` from the outside: a real process, real ports, Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request

import pytest
from icalendar import Calendar


@pytest.mark.slow
def test_demo_serves_landing_and_a_ready_feed_then_stops_on_ctrl_c(unused_tcp_port_factory) -> None:
    # The demo serves the app on PORT and the two schools on SANDBOX and SANDBOX+1.
    port, sandbox_port = unused_tcp_port_factory(), unused_tcp_port_factory()
    process = subprocess.Popen(
        [sys.executable, "-m", "feedserver", "demo", "--port", str(port), "--sandbox-port", str(sandbox_port)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        feed_url = None
        assert process.stdout is not None
        for line in process.stdout:  # ends if the process dies; the test timeout bounds it otherwise
            if "ready to subscribe:" in line:
                feed_url = line.rsplit(" ", 1)[1].strip()
                break
        assert feed_url and feed_url.startswith(f"http://127.0.0.1:{port}/feeds/"), feed_url
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as landing:
            assert landing.status == 200
            assert "North State University" in landing.read().decode()
        with urllib.request.urlopen(feed_url, timeout=10) as feed:
            assert feed.headers["Content-Type"].startswith("text/calendar")
            calendar = Calendar.from_ical(feed.read())
        assert len(calendar.walk("VEVENT")) > 50
    finally:
        process.send_signal(signal.SIGINT)
        remaining = process.communicate(timeout=30)[0]
    assert process.returncode == 0
    assert "stopped" in remaining
