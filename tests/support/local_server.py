"""A server of this process (``socketserver`` kind: werkzeug's, ``http.server``'s) run from a thread."""
from __future__ import annotations

import threading
from contextlib import contextmanager


@contextmanager
def in_thread(server):
    """Serve ``server`` (bound on loopback) from a daemon thread; yield its base URL, then shut it down
    and close its socket."""
    th = threading.Thread(target=server.serve_forever, daemon=True)
    th.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
