"""Run many independent solves: in this process, on local processes, or on a Dask cluster.

One code path (DESIGN §8): :func:`map_tasks` takes a picklable function and a list of tasks and
returns outcomes in task order. ``jobs=1`` runs in-process; ``jobs>1`` uses a local process pool;
``scheduler="tcp://HOST:PORT"`` (or a ``dask.distributed.Client``) sends the same function to a
Dask cluster (``pip install freight[dask]``). A task that raises is returned as a
:class:`Failed` outcome so the others complete.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, TypeVar

from freight.errors import FreightError

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Failed:
    """A task that raised: the exception's type and message (and the traceback text)."""

    error: str
    message: str
    traceback: str = ""


def _safe(fn: Callable[[T], R], task: T) -> R | Failed:
    try:
        return fn(task)
    except Exception as exc:  # a failing task is recorded, the others go on
        return Failed(type(exc).__name__, str(exc), traceback.format_exc())


def iter_tasks(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    *,
    jobs: int = 1,
    scheduler: Any = None,
) -> Iterator[tuple[int, R | Failed]]:
    """Yield ``(index, outcome)`` as tasks finish (in completion order)."""
    if scheduler is not None:
        yield from _dask(fn, tasks, scheduler)
        return
    if jobs <= 1 or len(tasks) <= 1:
        for i, t in enumerate(tasks):
            yield i, _safe(fn, t)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futs = {pool.submit(_safe, fn, t): i for i, t in enumerate(tasks)}
        for f in as_completed(futs):
            yield futs[f], f.result()


def _dask(
    fn: Callable[[T], R], tasks: Sequence[T], scheduler: Any
) -> Iterator[tuple[int, R | Failed]]:
    try:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed
    except ImportError:  # pragma: no cover - depends on the optional extra
        raise FreightError(
            "a Dask scheduler was given but dask.distributed is not installed "
            "(pip install 'freight[dask]')"
        ) from None
    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler  # type: ignore[no-untyped-call]
    try:
        futs = client.map(_safe, [fn] * len(tasks), list(tasks), pure=False)
        index = {f.key: i for i, f in enumerate(futs)}
        for f in dask_completed(futs):  # type: ignore[no-untyped-call]
            yield index[f.key], f.result()
    finally:
        if own:
            client.close()


def map_tasks(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    *,
    jobs: int = 1,
    scheduler: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[R | Failed]:
    """Run every task; outcomes in task order (a :class:`Failed` where a task raised)."""
    out: list[R | Failed | None] = [None] * len(tasks)
    done = 0
    for i, r in iter_tasks(fn, tasks, jobs=jobs, scheduler=scheduler):
        out[i] = r
        done += 1
        if progress:
            progress(done, len(tasks))
    return out  # type: ignore[return-value]
