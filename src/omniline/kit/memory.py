"""Keep what a process builds at start-up out of the garbage collector's full collections.

A started server holds hundreds of thousands of long-lived objects (routes, models, SQL
statements, caches). CPython's full collections walk all of them every time: 95-150 ms pauses
in the search bench, the largest of its latencies. `gc.freeze()` moves what exists after
start-up to a permanent generation that collections skip; it is still freed by reference
counting, only cycles among it would stay (the start-up's own garbage is collected first).
"""

import gc

_settled = False


def settle() -> None:
    """Collect start-up's garbage and freeze the rest; once per process (a test session
    starts many applications: only the first one's objects are frozen)."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
