"""Progress of long command-line work (history import and export, `metrics rebuild`, the demo,
the benchmarks), shown on a terminal and nowhere else.

Domain functions take a `Progress` (default `NO_PROGRESS`, which does nothing) and report
stages and amounts; only the command decides, with `progress_for`, whether anything is shown:
a live display on its stderr when that stream is a terminal and `--quiet` is not given. So
stdout stays exactly what it was (summaries, exported data), and so does stderr when it goes
to a file or a pipe.

Reporting is cheap: `TerminalProgress.advance` adds to a counter and hands the sum to the
display, which is then redrawn, at most every `FORWARD_SECONDS`. Callers still report per batch
rather than per line where they can. The display runs no thread of its own: the import's check
forks its worker processes only from a process without other threads (`core.parallel`), so a
redraw happens when the work reports (a step that reports nothing shows its start until it
ends).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TextIO, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TaskProgressColumn,
    TextColumn,
)
from rich.progress import Progress as RichProgress
from rich.table import Column
from rich.text import Text

# Counts reach the display, and it is redrawn, at most this often (a `monotonic()` per
# `advance` otherwise).
FORWARD_SECONDS = 0.2
# `counted` reports a loop's items this many at a time.
COUNT_EVERY = 1000
Item = TypeVar("Item")


class Progress(Protocol):
    """What long work reports. A stage is one step with its own counter: `total` (in
    `unit`s) when known gives a percentage and the time left; `items` names what is counted
    beside it for the rate (e.g. a stage measured in bytes read counts lines)."""

    @property
    def shown(self) -> bool:
        """Whether anything is displayed: work done only for the display (e.g. counting the
        rows first) may be skipped when not."""
        ...

    def stage(
        self, description: str, *, total: int | None = None, unit: str = "", items: str = ""
    ) -> None:
        """Start a new stage (the previous one ends, complete)."""
        ...

    def advance(self, amount: int = 1, *, items: int | None = None) -> None:
        """`amount` more of the stage's unit done, and `items` more items (default: `amount`)."""
        ...

    def close(self, *, done: bool = True) -> None:
        """End the display; the last stage ends complete, or where it stopped when not
        `done` (the work failed). Safe to call twice."""
        ...


class NoProgress:
    """Shows nothing: the default for domain functions, and for commands whose stderr is not
    a terminal or that were given `--quiet`."""

    shown = False

    def stage(
        self, description: str, *, total: int | None = None, unit: str = "", items: str = ""
    ) -> None:
        return None

    def advance(self, amount: int = 1, *, items: int | None = None) -> None:
        return None

    def close(self, *, done: bool = True) -> None:
        return None


NO_PROGRESS: Progress = NoProgress()


class TerminalProgress:
    """A live display on a terminal stream: one line per stage with a bar and percentage and
    the time left (when the total is known), the items counted and their rate per second, and
    the time the stage has taken."""

    shown = True

    def __init__(self, stream: TextIO) -> None:
        console = Console(file=stream, force_terminal=True, stderr=True)
        self._display = RichProgress(
            SpinnerColumn(finished_text="✓"),
            TextColumn("{task.description}"),
            BarColumn(bar_width=16),
            TaskProgressColumn(),
            ItemsColumn(table_column=Column(no_wrap=True)),
            TimeColumn(table_column=Column(no_wrap=True)),
            console=console,
            auto_refresh=False,  # no thread: redrawn by `_forward` and at each stage
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._task: TaskID | None = None
        self._pending = 0
        self._pending_items = 0
        self._forwarded_at = 0.0
        self._started = False
        self._closed = False

    def stage(
        self, description: str, *, total: int | None = None, unit: str = "", items: str = ""
    ) -> None:
        if self._closed:
            return
        self._finish_stage()
        if not self._started:
            self._display.start()
            self._started = True
        self._task = self._display.add_task(
            description, total=total, unit=unit, items=0, item_name=items or unit
        )
        self._forwarded_at = time.monotonic()

    def advance(self, amount: int = 1, *, items: int | None = None) -> None:
        self._pending += amount
        self._pending_items += amount if items is None else items
        now = time.monotonic()
        if now - self._forwarded_at >= FORWARD_SECONDS:
            self._forwarded_at = now
            self._forward()

    def close(self, *, done: bool = True) -> None:
        if self._closed:
            return
        self._finish_stage(complete=done)
        self._closed = True
        if self._started:
            self._display.stop()

    def _forward(self) -> None:
        if self._task is None or not (self._pending or self._pending_items):
            return
        task = self._display.tasks[self._task]
        self._display.update(
            self._task,
            advance=self._pending,
            items=task.fields["items"] + self._pending_items,
            refresh=True,
        )
        self._pending = self._pending_items = 0

    def _finish_stage(self, *, complete: bool = True) -> None:
        if self._task is None:
            return
        self._forward()
        if complete:
            # Shown at 100%, also a stage that had no total or did not count its units.
            task = self._display.tasks[self._task]
            total = task.total if task.total is not None else max(task.completed, 1)
            self._display.update(self._task, total=total, completed=total)
        self._display.stop_task(self._task)
        self._task = None


class ItemsColumn(ProgressColumn):
    """`1,234,567 lines  98,765 lines/s`: the items counted and their mean rate."""

    def render(self, task: Task) -> Text:
        count = int(task.fields.get("items", 0))
        name = task.fields.get("item_name", "")
        if not name:  # a stage that counts nothing: only its time
            return Text("")
        elapsed = task.finished_time if task.finished else task.elapsed
        rate = f"{count / elapsed:,.0f} {name}/s" if elapsed else f"– {name}/s"
        return Text(f"{count:,} {name}  {rate}", style="progress.data.speed")


class TimeColumn(ProgressColumn):
    """`0:01:23 left` while the stage runs with a known total, else the time it has taken
    (`0:00:42`)."""

    max_refresh = 0.5

    def render(self, task: Task) -> Text:
        if task.finished or task.total is None:
            elapsed = task.finished_time if task.finished else task.elapsed
            return Text(_clock(elapsed or 0.0), style="progress.elapsed")
        remaining = task.time_remaining
        left = "-:--:--" if remaining is None else _clock(remaining)
        return Text(f"{left} left", style="progress.remaining")


def _clock(seconds: float) -> str:
    minutes, whole = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{whole:02d}"


def counted(items: Iterable[Item], progress: Progress, every: int = COUNT_EVERY) -> Iterator[Item]:
    """`items`, each `every` of them (and the rest at the end) counted to `progress`: for a
    loop with no batches of its own to report. Without a display, `items` as they are (no
    generator in between)."""
    if not progress.shown:
        return iter(items)
    return _counted(items, progress, every)


def _counted(items: Iterable[Item], progress: Progress, every: int) -> Iterator[Item]:
    count = 0
    for item in items:
        yield item
        count += 1
        if count == every:
            progress.advance(count)
            count = 0
    if count:
        progress.advance(count)


def is_terminal(stream: Any) -> bool:
    """Whether `stream` (a file, or Django's OutputWrapper around one) is a terminal."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed file
        return False


def progress_for(
    stream: Any,
    *,
    quiet: bool = False,
    total: int | None = None,
    unit: str = "",
    description: str = "",
) -> Progress:
    """The progress display for a command: on `stream` (its stderr) when that is a terminal
    and not `quiet`, else `NO_PROGRESS`. With a `description`, the first stage starts now."""
    if quiet or not is_terminal(stream):
        return NO_PROGRESS
    # Django's OutputWrapper ends every write with a newline: the display needs the file.
    progress = TerminalProgress(getattr(stream, "_out", stream))
    if description:
        progress.stage(description, total=total, unit=unit)
    return progress


@contextmanager
def progress_shown(
    stream: Any,
    *,
    quiet: bool = False,
    total: int | None = None,
    unit: str = "",
    description: str = "",
) -> Iterator[Progress]:
    """`progress_for` as a context: the display ends with the block, whatever happens, so
    what the command writes next (its summary, its errors) comes after it."""
    progress = progress_for(stream, quiet=quiet, total=total, unit=unit, description=description)
    try:
        yield progress
    except BaseException:
        progress.close(done=False)
        raise
    progress.close()
