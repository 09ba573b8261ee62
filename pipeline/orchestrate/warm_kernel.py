"""A papermill engine that keeps one warm Jupyter kernel per process.

papermill starts a new kernel for every notebook, and each new kernel pays again for
importing pandas, scipy, seaborn and Great Expectations, which dominated a national run
(measured: docs/performance.md, "Warm kernels"). This engine (registered as
``corpar-warm`` through papermill's own ``papermill.engine`` entry point) starts one kernel
per worker process and reuses it. Before each notebook it closes any open figures and
starts a new IPython session (``reset(new_session=True)``: user namespace cleared, history
and execution counter anew) with this process's environment as it is now (a new kernel
inherits it when it starts; a warm one would keep the environment of its first notebook), so
a notebook sees what a new kernel would show it, except that modules already imported stay
imported (which is the point). What is still alive
after the reset (modules, their caches) is then moved out of the garbage collector's sight
(``gc.freeze()``): the reset's own full collection, and the collections during a notebook,
then look only at objects the notebooks made, instead of every object of pandas, Great
Expectations and matplotlib, which made every reset slow. ``tests/unit/test_warm_kernel.py`` checks
that each notebook's outputs are the same as with a cold kernel.

The engine class lives in ``pipeline/orchestrate/papermill_engine.py``, imported only by papermill
(importing ``papermill.engines`` loads every registered engine, so this module must not).

One kernel client per warm kernel serves every notebook (``warm_client``): a new client per
notebook waited, every time, for the kernel's output channel to fall quiet.

A kernel that has died is replaced, with a new client. The kernel is shut down when its
process exits (``multiprocessing`` workers included).
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
_os.environ.update({env_set!r})
for _k in {env_unset!r}:
    _os.environ.pop(_k, None)
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
        _close_client(km)
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
    if km is not None:
        _close_client(km)  # the kernel died: its replacement gets its own client
    runtime = os.environ.setdefault("CORPAR_WARM_RUNTIME", tempfile.mkdtemp(prefix="corpar-warm-"))
    os.environ["JUPYTER_RUNTIME_DIR"] = runtime
    km = manager_class(kernel_name=kernel_name)
    km._corpar_env = dict(os.environ)  # what the kernel inherits as it starts
    run_sync(km.start_kernel)(extra_arguments=extra_arguments)
    _warm[kernel_name] = km
    return km


def reset_code(km, cwd: str) -> str:
    """The code that resets ``km``'s kernel for the next notebook, run from folder ``cwd``.

    It carries the environment variables set, changed or removed in this process since the
    kernel last heard of them (a test's key, a run's settings), so the kernel's environment is
    the one a new kernel would inherit now.
    """
    now, then = dict(os.environ), getattr(km, "_corpar_env", {})
    env_set = {k: v for k, v in now.items() if then.get(k) != v}
    env_unset = sorted(k for k in then if k not in now)
    km._corpar_env = now
    return RESET.format(cwd=cwd, env_set=env_set, env_unset=env_unset)


def warm_client(km, timeout: float):
    """The warm kernel's client, connected and waited for once per kernel and thread.

    A new client per notebook waits every time until the kernel is ready (jupyter_client's
    ``wait_for_ready`` drains IOPub until it has been quiet for a while). nbclient reads only
    the messages that answer its own requests, so one client serves every notebook. Its
    sockets belong to the event loop of the thread that made them: another thread (a Dask
    worker's task thread that was replaced) gets a new client.
    """
    import threading

    from jupyter_core.utils import run_sync

    kc, thread = getattr(km, "_corpar_client", (None, None))
    if kc is not None and thread == threading.get_ident():
        return kc
    _close_client(km)
    kc = km.client()
    kc.start_channels()
    try:
        run_sync(kc.wait_for_ready)(timeout=timeout)
    except Exception:
        kc.stop_channels()
        raise
    km._corpar_client = (kc, threading.get_ident())
    return kc


def _close_client(km) -> None:
    kc, _ = getattr(km, "_corpar_client", (None, None))
    if kc is not None:
        km._corpar_client = (None, None)
        try:
            kc.stop_channels()
        except Exception:  # noqa: BLE001 - a dead kernel's sockets may already be gone
            log.debug("could not stop a warm kernel client", exc_info=True)
