"""Executing one notebook with papermill: its own runtime folder, a quiet kernel, one retry.

The kernel's stderr goes to a log beside the executed notebook (or the process's log for a
warm kernel), and a kernel start that loses a race for a port is retried once.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from pipeline import io, resources

log = logging.getLogger(__name__)


NOTEBOOKS = resources.path("notebooks")  # package data: see pipeline/resources.py


_KERNEL_START_ERRORS = (
    "Address already in use",
    "Kernel died before replying",
    "Kernel didn't respond",
)


def _quiet_kernel_manager(stderr_log: Path):
    """A kernel manager whose kernel writes its stderr to ``stderr_log``, not the terminal.

    ipykernel prints start-up and shutdown chatter there ("KeyboardInterrupt caught in
    kernel" when a notebook stops on an error) that would bury the one clear failure line.
    The log is kept beside the executed notebook for whoever debugs a crashed kernel.
    """
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw):
            # Popen hands the descriptor to the kernel; this process's copy can close.
            # Owner-only, like everything else under data/processed.
            fd = os.open(stderr_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "ab") as log_file:
                return await super().start_kernel(stderr=log_file, **kw)

    return QuietKernelManager


def _is_kernel_start_failure(exc: BaseException) -> bool:
    return any(s in str(exc) for s in _KERNEL_START_ERRORS)


def execute_notebook(
    name: str,
    out_path: Path,
    parameters: dict[str, str],
    kernel_name: str,
    engine: str = "nbclient",
) -> None:
    """Execute ``notebooks/<name>.ipynb`` with papermill into ``out_path``.

    Each execution gets its own Jupyter runtime folder (connection files do not collide
    between parallel runs), and a kernel start that loses a race for a port is retried once.
    """
    import papermill as pm

    io.private_dir(out_path.parent)
    for attempt in (1, 2):
        with tempfile.TemporaryDirectory(prefix="corpar-kernel-") as runtime:
            os.environ["JUPYTER_RUNTIME_DIR"] = runtime
            try:
                pm.execute_notebook(
                    str(NOTEBOOKS / f"{name}.ipynb"),
                    str(out_path),
                    parameters=parameters,
                    kernel_name=kernel_name,
                    progress_bar=False,
                    # The kernel starts in the job's own private folder: the notebooks may
                    # be in a read-only install, and they name every path they use anyway.
                    cwd=str(out_path.parent),
                    # ipykernel 7 warns about TCP on every start: quiet it. No input
                    # history: each kernel (and each warm reset) would otherwise write
                    # every cell to one shared SQLite file, ~/.ipython's history.sqlite.
                    extra_arguments=[
                        "--IPKernelApp.log_level=ERROR",
                        "--HistoryManager.enabled=False",
                    ],
                    kernel_manager_class=_quiet_kernel_manager(
                        out_path.with_suffix(".log")
                        if engine == "nbclient"
                        # A warm kernel outlives this notebook: its log is the process's.
                        else Path(tempfile.gettempdir()) / f"corpar-kernel-{os.getpid()}.log"
                    ),
                    engine_name=engine,
                )
                return
            except pm.PapermillExecutionError:
                raise
            except (RuntimeError, TimeoutError) as exc:
                if attempt == 1 and _is_kernel_start_failure(exc):
                    log.warning("kernel start failed for %s (%s); retrying once", name, exc)
                    continue
                raise
            finally:
                if out_path.exists():  # owner-only however it ended: a traceback is internal
                    os.chmod(out_path, 0o600)
