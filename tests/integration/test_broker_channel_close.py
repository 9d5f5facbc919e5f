"""The Redis channel closed after its connection is gone does not end the worker (issue 15,
item 1; core.brokerfix). The worker died 1 run in about 10 of test_broker_outage.py: closing
the channel tried to restore its unacknowledged message through the lost connection and
raised an AttributeError that Celery treats as unrecoverable. Here that close is reproduced
directly: it does not raise, and the message stays in Redis's unacked index for the
visibility-timeout restore."""

from __future__ import annotations

import pytest
import redis as redis_client
from kombu import Connection

from tests.support.worker import free_port, redis_start

pytestmark = pytest.mark.integration


def test_closing_a_channel_whose_connection_is_gone_keeps_the_message_for_the_restore(tmp_path):
    import config.celery  # noqa: F401  (installs the guard, as every worker does)

    port = free_port()
    redis = redis_start(port, tmp_path)
    try:
        connection = Connection(f"redis://127.0.0.1:{port}/0")
        channel = connection.channel()
        queue = "boardsvc-close-test"
        channel.queue_declare(queue)
        channel.basic_publish(channel.prepare_message("payload"), exchange="", routing_key=queue)
        message = channel.basic_get(queue, no_ack=False)
        assert message is not None
        connection.transport.client = None  # what the worker's lost connection leaves behind
        channel.close()  # raised AttributeError before the guard
        held = redis_client.Redis(port=port).hlen("unacked")
        assert held == 1, "the unacknowledged message is still held for the restore"
    finally:
        redis.terminate()
        redis.wait(timeout=10)
