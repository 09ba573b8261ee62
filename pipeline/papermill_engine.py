"""The ``corpar-warm`` papermill engine class (see :mod:`pipeline.engine`).

Only papermill imports this module, through its ``papermill.engine`` entry point.
"""

from __future__ import annotations

import os

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine
from papermill.utils import merge_kwargs, remove_args

from pipeline.engine import RESET, log, warm_kernel


class _ResettingClient(PapermillNotebookClient):
    """Runs the namespace reset, silently, before the notebook's own cells."""

    def papermill_execute_cells(self):
        self.wait_for_reply(
            self.kc.execute(RESET.format(cwd=os.getcwd()), silent=True, store_history=False)
        )
        return super().papermill_execute_cells()


class WarmEngine(NBClientEngine):
    """papermill engine ``corpar-warm``: a warm, reset kernel instead of a new one."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        **kwargs,
    ):
        """Execute the notebook in this process's warm kernel (started on first use)."""
        from jupyter_client.manager import AsyncKernelManager

        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        manager_class = kwargs.pop("kernel_manager_class", None) or AsyncKernelManager
        km = warm_kernel(kernel_name, manager_class, kwargs.pop("extra_arguments", []))
        client = _ResettingClient(
            nb_man,
            km=km,
            **merge_kwargs(
                kwargs,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=log,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            ),
        )
        try:
            return client.execute()
        finally:
            if client.kc is not None:
                client.kc.stop_channels()
