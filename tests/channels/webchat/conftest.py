from tests.realtime.conftest import server

__all__ = ["server"]
