"""The headless Chromium that prints reports to PDF: one per process, on one thread.

Each process keeps one browser (Debian's ``chromium``, driven by Playwright) with one
context, and one page reused from print to print, all on a single print thread (Playwright
objects must stay on the thread that made them). The browser starts in the background when
a job starts, the page is released when a job's exports are done, and the browser closes
when the process exits.
"""

from __future__ import annotations

import atexit
import logging
import threading
from multiprocessing import util

log = logging.getLogger(__name__)


def chromium_binary() -> str:
    """Debian's chromium (or ``CORPAR_CHROMIUM``), or a clear error saying how to get it."""
    import os
    import shutil

    found = (
        os.environ.get("CORPAR_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not found:
        raise RuntimeError(
            "PDF export needs Debian's chromium: run 'make setup' (as root it "
            "installs it) or 'apt-get install chromium'"
        )
    return found


_BROWSER_ARGS = [
    "--disable-gpu",
    # The GPU and network services in the browser process, not two more processes: less
    # resident memory per worker, the same PDF (text and pages compared).
    "--in-process-gpu",
    "--enable-features=NetworkServiceInProcess2",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_printer = threading.local()  # on the print thread: Playwright and the browser context
_print_thread: list = []  # [(pid, executor)]: the one thread of this process that prints


class _DisposedObjectEvents(logging.Filter):
    """Drop Playwright's log of events for objects it has already disposed.

    Chromium can send an event (e.g. a debugger's "pausedStateChanged") just after the
    object it concerns was closed; Playwright then logs "Error occurred in event listener:
    Cannot find object to ...". Nothing is lost (the object is gone on purpose) and the
    print succeeds, but the line would land among a run's error messages on stderr.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (exc is not None and str(exc).startswith('Cannot find object to "'))


_DISPOSED = _DisposedObjectEvents()


def print_thread():
    """The print thread of the current process (Playwright objects must stay on one thread)."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    if not _print_thread or _print_thread[0][0] != os.getpid():  # new, or inherited by fork
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="corpar-pdf")
        _print_thread[:] = [(os.getpid(), pool)]
        atexit.register(_at_exit, os.getpid())
        # multiprocessing workers skip atexit; their finalizers run at exit instead.
        util.Finalize(None, _at_exit, args=(os.getpid(),), exitpriority=10)
    return _print_thread[0][1]


def _browser():
    """The print thread's headless Chromium page context, started once and kept.

    Starting Chromium costs more than printing a report, and a worker prints two or more
    reports per job: so each process keeps one browser (Debian's
    ``chromium``, driven by Playwright) with one context for its pages, on its print thread,
    closed when the process exits.
    """
    import os

    context = getattr(_printer, "context", None)
    if context is not None and context.browser and context.browser.is_connected():
        return context
    from playwright.sync_api import sync_playwright

    logging.getLogger("playwright").addFilter(_DISPOSED)  # the same filter once
    pw = sync_playwright().start()
    args = list(_BROWSER_ARGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.insert(0, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
    try:
        browser = pw.chromium.launch(executable_path=chromium_binary(), args=args)
        context = browser.new_context()
    except Exception:
        pw.stop()
        raise
    _printer.pw, _printer.context = pw, context
    return context


def kept_page():
    """The print thread's page, kept from one print to the next until released.

    A new page for each print started new renderer processes each time, which cost more
    of the machine's CPU than the print itself. Each print navigates the kept page to a new
    document, so nothing of one report stays for the next; a page whose print failed is
    closed and the next print gets a new one. A job releases its page when its exports are
    done (``release_print_page``): kept across jobs, the page's renderers and their memory
    would be held while the next job's stages run.
    """
    context = _browser()
    page = getattr(_printer, "page", None)
    if page is None or page.is_closed() or page.context is not context:
        page = _printer.page = context.new_page()
    return page


def release_print_page() -> None:
    """Close this process's kept print page, on the print thread, without waiting."""
    if _print_thread:
        print_thread().submit(discard_page)


def discard_page() -> None:
    """Close the print thread's kept page, if any (run on the print thread)."""
    page, _printer.page = getattr(_printer, "page", None), None
    if page is not None:
        try:
            page.close()
        except Exception:  # the page or its browser may be gone already
            log.debug("could not close the print page", exc_info=True)


def _close_here() -> None:
    """Close the print thread's browser (run on the print thread)."""
    discard_page()
    context = getattr(_printer, "context", None)
    _printer.context = None
    if context is None:
        return
    try:
        context.browser.close()
        _printer.pw.stop()
    except Exception:  # closing is best effort: the browser may be gone already
        log.debug("could not close the browser cleanly", exc_info=True)


def _at_exit(pid: int) -> None:
    import os

    if pid != os.getpid() or not _print_thread or _print_thread[0][0] != pid:
        return  # inherited through fork: the parent closes its own browser
    try:
        _print_thread[0][1].submit(_close_here).result(timeout=30)
    except Exception:  # at interpreter exit the thread may be gone; Chromium follows its driver
        pass


def start_browser() -> None:
    """Start this process's browser in the background, so the first PDF need not wait.

    A job calls this before its stage notebooks: Chromium starts while the kernel works.
    """
    print_thread().submit(_browser)


def close_browser() -> None:
    """Close this process's kept browser now, if it started one.

    It is closed at exit anyway; a long-lived process that is done printing frees its
    memory early.
    """
    if _print_thread:
        print_thread().submit(_close_here).result()
