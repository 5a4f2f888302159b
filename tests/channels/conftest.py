from tests.channels.peer import peer
from tests.jobs.helpers import clock

__all__ = ["clock", "peer"]
