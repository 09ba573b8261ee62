"""A papermill engine that keeps one warm Jupyter kernel per process.

papermill starts a new kernel for every notebook, and each new kernel pays again for
importing pandas, scipy, seaborn and Great Expectations: seconds per notebook, most of a
national run's time. This engine (registered as ``corpar-warm`` through papermill's own
``papermill.engine`` entry point) starts one kernel per worker process and reuses it. Before
each notebook it closes any open figures and starts a new IPython session
(``reset(new_session=True)``: user namespace cleared, history and execution counter anew),
so a notebook sees what a new kernel would show it, except that modules already imported
stay imported (which is the point). What is still alive after the reset (modules, their
caches) is then moved out of the garbage collector's sight (``gc.freeze()``): the reset's
own full collection, and the collections during a notebook, then look only at objects the
notebooks made, instead of every object of pandas, Great Expectations and matplotlib
(0.15 s a reset before). ``tests/test_engine.py`` checks that each notebook's
outputs are the same as with a cold kernel.

The engine class lives in ``pipeline/papermill_engine.py``, imported only by papermill
(importing ``papermill.engines`` loads every registered engine, so this module must not).

A kernel that has died is replaced. The kernel is shut down when its process exits
(``multiprocessing`` workers included).
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from multiprocessing import util

log = logging.getLogger(__name__)

RESET = """\
import os as _os, sys as _sys
if "matplotlib.pyplot" in _sys.modules:
    _sys.modules["matplotlib.pyplot"].close("all")
_os.chdir({cwd!r})
get_ipython().reset(new_session=True)
__import__("gc").freeze()
"""

_warm: dict[str, object] = {}  # kernel name -> running kernel manager (this process)
_owner: list[int] = []  # the process id that started the kernels in _warm


def _shutdown() -> None:
    from jupyter_core.utils import run_sync

    if _owner and _owner[0] != os.getpid():
        return  # inherited through fork: the parent shuts its own kernels down
    for name, km in list(_warm.items()):
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - best effort at exit
            log.debug("could not shut down warm kernel %s", name, exc_info=True)
        _warm.pop(name, None)
    runtime = os.environ.get("CORPAR_WARM_RUNTIME")
    if runtime:
        shutil.rmtree(runtime, ignore_errors=True)


atexit.register(_shutdown)
util.Finalize(None, _shutdown, exitpriority=10)  # multiprocessing workers skip atexit


def warm_kernel(kernel_name: str, manager_class, extra_arguments: list[str]):
    """The running kernel for ``kernel_name`` in this process, started on first use."""
    from jupyter_core.utils import run_sync

    if _owner and _owner[0] != os.getpid():
        # A process forked from one that had started kernels: they belong to the parent.
        _warm.clear()
        os.environ.pop("CORPAR_WARM_RUNTIME", None)
    _owner[:] = [os.getpid()]
    km = _warm.get(kernel_name)
    if km is not None and run_sync(km.is_alive)():
        return km
    runtime = os.environ.setdefault("CORPAR_WARM_RUNTIME", tempfile.mkdtemp(prefix="corpar-warm-"))
    os.environ["JUPYTER_RUNTIME_DIR"] = runtime
    km = manager_class(kernel_name=kernel_name)
    run_sync(km.start_kernel)(extra_arguments=extra_arguments)
    _warm[kernel_name] = km
    return km
