"""An app that nothing uses any more is freed, routes, engine and caches with it.

One process serves one app, but the test suite builds one per test: an app kept alive by a process-wide
cache (FastAPI remembers each endpoint it has analysed) cost about 7 MB a test, 13 GB over the suite.
"""

from __future__ import annotations

import gc
import weakref

from lanekit.app import create_app
from lanekit.settings import Settings


def test_a_dropped_app_is_freed(settings: Settings) -> None:
    app = create_app(settings)
    dropped = weakref.ref(app)
    del app
    gc.collect()
    assert dropped() is None
