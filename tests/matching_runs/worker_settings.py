"""Settings of the Celery worker that ``test_worker_death`` kills and starts again: the project's
settings, with a broker that hands an unacknowledged task out again after 3 s instead of 18
minutes and looks for such tasks every second, and a run lease that lapses after 3 s."""

import os

from bangfu.settings import *  # noqa: F403

_UNACKED = os.environ["BANGFU_TEST_UNACKED_KEY"]
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
    # Keys of its own: workers of other tests on the same Redis keep their in-flight tasks,
    # which this worker's short timeout would otherwise hand out again.
    "unacked_key": _UNACKED,
    "unacked_index_key": f"{_UNACKED}_index",
    "unacked_mutex_key": f"{_UNACKED}_mutex",
}
MATCHING_RUN_HEARTBEAT_SECONDS = 1
