"""The cases service's clock is the shared one (``shared/clock.py``): real time, or a fixed time a test
sets per runtime (time limits are tested on fixed dates, never on today)."""

from shared.clock import TZ, local_date, now, set_now, today

__all__ = ["TZ", "local_date", "now", "set_now", "today"]
