"""`core.progress`: a display on a terminal only, with rate and time left; nothing otherwise."""

from __future__ import annotations

import io
import os
import re
import threading

import pytest

from afterdesk.core.progress import (
    NO_PROGRESS,
    TerminalProgress,
    counted,
    progress_for,
    progress_shown,
)

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class TerminalStream(io.StringIO):
    """A stream that says it is a terminal, as a pty's would."""

    def isatty(self) -> bool:
        return True


def plain(text: str) -> str:
    return ANSI.sub("", text)


def test_a_stream_that_is_not_a_terminal_gets_no_progress() -> None:
    stream = io.StringIO()
    progress = progress_for(stream, total=10, unit="lines", description="Checking")
    assert progress is NO_PROGRESS
    assert not progress.shown
    progress.advance(5)
    progress.close()
    assert stream.getvalue() == ""


def test_quiet_gets_no_progress_even_on_a_terminal() -> None:
    stream = TerminalStream()
    with progress_shown(stream, quiet=True, total=10, unit="lines", description="x") as progress:
        assert progress is NO_PROGRESS
        progress.advance(10)
    assert stream.getvalue() == ""


def test_a_closed_stream_is_not_a_terminal() -> None:
    stream = open(os.devnull, "w")  # noqa: SIM115 - closed at once: isatty() then raises
    stream.close()
    assert progress_for(stream) is NO_PROGRESS


def test_a_terminal_shows_each_stage_with_its_rate_and_time_left() -> None:
    stream = TerminalStream()
    with progress_shown(stream) as progress:
        assert isinstance(progress, TerminalProgress)
        progress.stage("Checking", total=1000, unit="bytes", items="lines")
        progress.advance(400, items=40)
        progress.stage("Events", total=25, unit="events")
        for _ in range(25):
            progress.advance()
    text = plain(stream.getvalue())
    assert "-:--:-- left" in text  # the time left, while a stage with a total runs
    final = text.splitlines()[-2:]  # the last redraw: every stage, complete
    assert re.search(r"✓ Checking .*100% 40 lines  [\d,.]+ lines/s", final[0]), final
    assert re.search(r"✓ Events .*100% 25 events  [\d,.]+ events/s", final[1]), final


def test_time_left_is_estimated_from_the_rate() -> None:
    clock = [0.0]
    stream = TerminalStream()
    progress = TerminalProgress(stream)
    progress._display.get_time = lambda: clock[0]  # rich's own clock, for the estimate
    progress.stage("Events", total=1000, unit="events")
    for second in range(1, 5):
        clock[0] = float(second)
        progress._forwarded_at = 0.0  # hand each advance to the display
        progress.advance(100)
    progress._display.refresh()
    # 100 events a second, 600 to go: 6 s left
    assert "0:00:06 left" in plain(stream.getvalue())
    progress.close()


def test_advances_are_added_up_between_redraws() -> None:
    stream = TerminalStream()
    progress = TerminalProgress(stream)
    progress.stage("Lines", total=None, unit="lines")
    for _ in range(100_000):
        progress.advance()
    progress.close()
    assert "100,000 lines" in plain(stream.getvalue())


def test_a_failed_run_leaves_its_stage_where_it_stopped() -> None:
    stream = TerminalStream()

    def fail_at_30() -> None:
        with progress_shown(stream) as progress:
            progress.stage("Events", total=100, unit="events")
            progress.advance(30)
            raise RuntimeError("database gone")

    with pytest.raises(RuntimeError, match="database gone"):
        fail_at_30()
    last = plain(stream.getvalue()).splitlines()[-1]
    assert " 30%" in last
    assert "100%" not in last


def test_the_display_runs_no_thread_so_the_check_can_still_fork_its_workers() -> None:
    before = threading.active_count()
    progress = TerminalProgress(TerminalStream())
    progress.stage("Checking", total=100, unit="bytes", items="lines")
    progress.advance(50, items=5)
    try:
        assert threading.active_count() == before
    finally:
        progress.close()


def test_counted_reports_every_n_items_and_the_rest() -> None:
    stream = TerminalStream()
    progress = TerminalProgress(stream)
    progress.stage("Tickets", total=2500, unit="tickets")
    assert list(counted(range(2500), progress, every=1000)) == list(range(2500))
    progress.close()
    assert "2,500 tickets" in plain(stream.getvalue())


def test_counted_passes_items_through_without_a_display() -> None:
    assert list(counted(iter("abc"), NO_PROGRESS, every=2)) == ["a", "b", "c"]


def test_a_real_pseudo_terminal_is_a_terminal() -> None:
    leader, follower = os.openpty()
    try:
        with os.fdopen(follower, "w", closefd=False) as stream:
            assert isinstance(progress_for(stream), TerminalProgress)
    finally:
        os.close(leader)
        os.close(follower)
