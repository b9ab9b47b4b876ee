"""Write folders and files atomically, with the permissions the user's umask gives.

Everything goes to a hidden temporary sibling first and is moved into place by
one rename, so an interrupted run never leaves a folder that looks complete.
The temporary sibling is made with ``mkdir``/``open`` rather than ``tempfile``,
whose 0700/0600 modes would keep colleagues on a shared server out of the results.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class OutputError(Exception):
    """The results folder cannot be written."""


def writable_folder(folder: Path) -> None:
    """Raise :class:`OutputError` unless ``folder`` could be created (or replaced) and written in."""
    folder = Path(folder).absolute()
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not existing.is_dir():
        raise OutputError(f"{existing} is a file, so {folder} cannot be a results folder; choose another -o")
    blocked = [p for p in {existing, folder.parent} if p.exists() and not os.access(p, os.W_OK | os.X_OK)]
    if blocked:
        raise OutputError(f"cannot write in {blocked[0]} (permission denied); choose another -o")


def _partial(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial-{os.getpid()}-{secrets.token_hex(4)}")


def atomic_folder(folder: Path, fill: Callable[[Path], object]) -> Path:
    """Create ``folder`` by filling a temporary sibling and renaming it into place."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = _partial(folder)
    tmp.mkdir()
    try:
        fill(tmp)
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
            folder.rename(old)
            tmp.rename(folder)
            shutil.rmtree(old)
        else:
            tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def atomic_file(path: Path, write: Callable[[Path], object]) -> Path:
    """Write a file through a temporary sibling renamed into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _partial(path)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C until the block ends (e.g. while a finished replication is saved), then raise it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[tuple[Any, ...]] = []
    previous = signal.signal(signal.SIGINT, lambda *args: received.append(args))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received and callable(previous):
            previous(*received[0])
