"""A worker keeps running when Redis goes away with messages in hand (issue 15, item 1).

When the broker connection is lost, Celery closes kombu's Redis channel, and the channel tries
to put the messages it holds unacknowledged back on their queue through that connection, which
is gone (its ``client`` is None): an AttributeError, not a connection error, so Celery calls it
"Unrecoverable" and the worker exits (1 run in about 10 of
tests/integration/test_broker_outage.py). Those messages are still in Redis's unacked index,
and the visibility-timeout restore returns them once Redis is back (docs/guarantees.md,
G-QUEUE-8), so a restore that cannot reach Redis is logged and left to it, not fatal.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


def install() -> None:
    """Guard kombu's Redis QoS.restore_unacked once per process (idempotent)."""
    from kombu.transport import redis as kombu_redis

    original = kombu_redis.QoS.restore_unacked
    if getattr(original, "boardsvc_guarded", False):
        return

    def restore_unacked(self: Any, client: Any = None) -> Any:
        try:
            return original(self, client)
        except AttributeError:
            if getattr(self.channel.connection, "client", None) is not None:
                raise  # not the lost connection: a real bug, let it surface
            logger.warning("broker connection gone: %d unacknowledged message(s) left for the "
                           "visibility-timeout restore", len(self._delivered))
            return None

    restore_unacked.boardsvc_guarded = True  # type: ignore[attr-defined]
    kombu_redis.QoS.restore_unacked = restore_unacked
