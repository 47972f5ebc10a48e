"""`muffin-feed demo` from the outside: a real process, real ports, Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.request

import pytest
from icalendar import Calendar


def two_free_ports_in_a_row() -> int:
    """A port P with P and P+1 free now: the demo's two sandbox schools listen on both."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
                return port
    raise RuntimeError("no two free ports in a row")


@pytest.mark.slow
def test_demo_serves_landing_and_a_ready_feed_then_stops_on_ctrl_c(unused_tcp_port_factory) -> None:
    # The demo serves the app on PORT and the two schools on SANDBOX and SANDBOX+1.
    port, sandbox_port = unused_tcp_port_factory(), two_free_ports_in_a_row()
    errors = tempfile.TemporaryFile(mode="w+")  # shown if the demo dies before it is ready
    process = subprocess.Popen(
        [sys.executable, "-m", "feedserver", "demo", "--port", str(port), "--sandbox-port", str(sandbox_port)],
        stdout=subprocess.PIPE, stderr=errors, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        feed_url = None
        assert process.stdout is not None
        for line in process.stdout:  # ends if the process dies; the test timeout bounds it otherwise
            if "ready to subscribe:" in line:
                feed_url = line.rsplit(" ", 1)[1].strip()
                break
        if feed_url is None:
            errors.seek(0)
            pytest.fail(f"the demo ended before it was ready; it said:\n{errors.read()[-3000:]}")
        assert feed_url.startswith(f"http://127.0.0.1:{port}/feeds/"), feed_url
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as landing:
            assert landing.status == 200
            assert "North State University" in landing.read().decode()
        with urllib.request.urlopen(feed_url, timeout=10) as feed:
            assert feed.headers["Content-Type"].startswith("text/calendar")
            calendar = Calendar.from_ical(feed.read())
        assert len(calendar.walk("VEVENT")) > 50
        # Then classmates sign in and contribute, and the demo names the teacher's view inside Canvas.
        course_url = None
        for line in process.stdout:
            if "a teacher's view of their students' weeks:" in line:
                course_url = line.rsplit(" ", 1)[1].strip()
            if "Press Ctrl-C to stop." in line:
                break
        assert course_url is not None and course_url.startswith(f"http://127.0.0.1:{sandbox_port}/courses/"), course_url
        with urllib.request.urlopen(course_url, timeout=10) as course_page:
            assert course_page.status == 200 and "<iframe" in course_page.read().decode()
    finally:
        process.send_signal(signal.SIGINT)
        remaining = process.communicate(timeout=30)[0]
        errors.close()
    assert process.returncode == 0
    assert "stopped" in remaining
