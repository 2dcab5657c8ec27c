"""Sweeps on Dask distributed: a resumable runner (:mod:`.runner`) and the necessity maps of
Theorems 4.1 and 4.3 (:mod:`.necessity`)."""

from .runner import SweepError, Task, check_writable, load_records, run_tasks, start_client

__all__ = ["SweepError", "Task", "check_writable", "load_records", "run_tasks", "start_client"]
