from tests.jobs.helpers import clock

__all__ = ["clock"]
