"""Results are written atomically, readable by colleagues as the umask allows, and never half-written."""

from __future__ import annotations

import os
import signal
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.experiment.files import atomic_file, atomic_folder, interrupts_held


@pytest.fixture(params=[0o022, 0o027], ids=["umask-022", "umask-027"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_results_folder_gets_the_usual_permissions(tmp_path: Path, umask: int):
    """A results folder is 0777 less the umask (0755 under 022), not mkdtemp's 0700."""

    def fill(tmp: Path) -> None:
        (tmp / "tables").mkdir()
        (tmp / "report.html").write_text("<p>ok</p>")

    folder = atomic_folder(tmp_path / "results" / "practice", fill)
    assert mode(folder) == 0o777 & ~umask
    assert mode(folder / "tables") == 0o777 & ~umask
    assert mode(folder / "report.html") == 0o666 & ~umask


def test_atomic_file_gets_the_usual_permissions(tmp_path: Path, umask: int):
    """A file written through a temporary sibling is 0666 less the umask, not mkstemp's 0600."""
    path = atomic_file(tmp_path / "sweep.parquet", lambda tmp: tmp.write_bytes(b"data"))
    assert path.read_bytes() == b"data"
    assert mode(path) == 0o666 & ~umask


def test_failed_fill_leaves_nothing_behind(tmp_path: Path):
    """An error while filling removes the temporary folder and keeps the old results."""
    atomic_folder(tmp_path / "run", lambda tmp: (tmp / "old.txt").write_text("old"))

    def broken(tmp: Path) -> None:
        (tmp / "new.txt").write_text("new")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_folder(tmp_path / "run", broken)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["old.txt"]


def test_replacing_a_folder_swaps_it_whole(tmp_path: Path):
    atomic_folder(tmp_path / "run", lambda tmp: (tmp / "old.txt").write_text("old"))
    atomic_folder(tmp_path / "run", lambda tmp: (tmp / "new.txt").write_text("new"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["new.txt"]


@pytest.fixture
def ctrl_c_as_in_a_terminal() -> Iterator[None]:
    """Python's own SIGINT handler, as when started from a terminal: a test run started in the
    background ('make test &') inherits SIGINT ignored, and Ctrl-C would then never arrive."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_is_held_until_a_save_ends(tmp_path: Path, ctrl_c_as_in_a_terminal: None):
    """Ctrl-C during the save of a finished replication lands after it: the replication is kept whole."""
    def fill(tmp: Path) -> None:
        (tmp / "a.txt").write_text("a")
        signal.raise_signal(signal.SIGINT)
        (tmp / "b.txt").write_text("b")

    with pytest.raises(KeyboardInterrupt):
        with interrupts_held():
            atomic_folder(tmp_path / "rep-0000", fill)
    assert sorted(p.name for p in (tmp_path / "rep-0000").iterdir()) == ["a.txt", "b.txt"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
