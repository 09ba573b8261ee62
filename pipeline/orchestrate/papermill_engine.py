"""The ``corpar-warm`` papermill engine class (see :mod:`pipeline.orchestrate.warm_kernel`).

Only papermill imports this module, through its ``papermill.engine`` entry point.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, NotebookExecutionManager
from papermill.utils import merge_kwargs, remove_args

from pipeline.orchestrate.warm_kernel import log, reset_code, warm_client, warm_kernel


class _SavedAtEnds(NotebookExecutionManager):
    """Writes the executed notebook when it starts and when it ends, not around every cell.

    papermill writes (and validates) the whole notebook before and after each cell, so that
    someone can watch a long run; these notebooks are short, so nobody watches them and the
    writes are pure cost (docs/performance.md, "Saving executed notebooks"). The end write
    comes after a failure too, and a cell running longer than ``autosave_cell_every`` is
    still saved while it runs.
    """

    _quiet = False

    @contextmanager
    def _unsaved(self):
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False

    def save(self, **kwargs):
        if not self._quiet:
            super().save(**kwargs)

    def cell_start(self, cell, cell_index=None, **kwargs):
        with self._unsaved():
            super().cell_start(cell, cell_index, **kwargs)

    def cell_complete(self, cell, cell_index=None, **kwargs):
        with self._unsaved():
            super().cell_complete(cell, cell_index, **kwargs)


class _ResettingClient(PapermillNotebookClient):
    """Runs the namespace reset, silently, before the notebook's own cells."""

    def papermill_execute_cells(self):
        self.wait_for_reply(
            self.kc.execute(reset_code(self.km, os.getcwd()), silent=True, store_history=False)
        )
        return super().papermill_execute_cells()


class WarmEngine(NBClientEngine):
    """papermill engine ``corpar-warm``: a warm, reset kernel instead of a new one."""

    @classmethod
    def execute_notebook(
        cls,
        nb,
        kernel_name,
        output_path=None,
        progress_bar=True,
        log_output=False,
        autosave_cell_every=30,
        **kwargs,
    ):
        """As papermill's ``Engine.execute_notebook``, with the notebook saved at its ends."""
        nb_man = _SavedAtEnds(
            nb,
            output_path=output_path,
            progress_bar=progress_bar,
            log_output=log_output,
            autosave_cell_every=autosave_cell_every,
        )
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

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
        # The kernel's lasting client (nbclient makes none when one is set): see warm_client.
        client.kc = warm_client(km, start_timeout)
        client.kc.allow_stdin = False
        return client.execute()
