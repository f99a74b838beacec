"""host/broker.py: a worker that loses Redis while a task's message is unacknowledged keeps
running (kombu's own Redis transport stops it), on the real test Redis."""

from __future__ import annotations

import logging
import uuid

import pytest
from django.conf import settings
from kombu import Connection


def _lose_the_connection_holding_an_unacked_message(transport: str) -> None:
    """Take a message without acknowledging it, then close the channel as the consumer does
    when its connection to Redis broke: pools dropped, the connection's details gone."""
    name = f"broker-test-{uuid.uuid4().hex[:8]}"
    with Connection(settings.CELERY_BROKER_URL, transport=transport) as conn:
        queue = conn.SimpleQueue(name)
        try:
            queue.put({"task": "x"})
            message = queue.get(timeout=5)  # delivered, not acknowledged (acks_late)
            assert message.payload == {"task": "x"}
            channel = queue.channel
            channel._disconnect_pools()
            channel.connection.client = None
            channel.close()
        finally:
            with Connection(settings.CELERY_BROKER_URL) as cleanup:
                cleanup.default_channel.client.delete(name)


def test_kombus_own_transport_stops_on_it():
    """The bug the platform's transport works around (when kombu fixes it, this test fails and
    host/broker.py can go)."""
    with pytest.raises(AttributeError, match="hostname"):
        _lose_the_connection_holding_an_unacked_message("redis")


def test_the_platforms_transport_logs_and_goes_on(caplog):
    with caplog.at_level(logging.WARNING, logger="host.broker"):
        _lose_the_connection_holding_an_unacked_message("host.broker:Transport")
    assert "broker connection lost with 1 unacknowledged message(s)" in caplog.text


def test_a_task_acknowledged_after_the_connection_was_lost_does_not_stop_the_worker(caplog):
    """The task outlived the connection its message came on: kombu's own transport raises on
    the old channel; the platform's logs it (the message comes back from Redis later)."""
    for transport, expect_error in (("redis", True), ("host.broker:Transport", False)):
        name = f"broker-test-{uuid.uuid4().hex[:8]}"
        with Connection(settings.CELERY_BROKER_URL, transport=transport) as conn:
            queue = conn.SimpleQueue(name)
            queue.put({"task": "x"})
            message = queue.get(timeout=5)
            channel, transport_of = queue.channel, queue.channel.connection
            channel._disconnect_pools()  # closed: the consumer reconnected on a new channel
            channel.connection = None
            try:
                if expect_error:
                    with pytest.raises(AttributeError):
                        message.ack()
                else:
                    with caplog.at_level(logging.WARNING, logger="host.broker"):
                        message.ack()
                    assert "after its broker connection was lost" in caplog.text
            finally:
                channel.connection = transport_of
        with Connection(settings.CELERY_BROKER_URL) as cleanup:
            cleanup.default_channel.client.delete(name)


def test_celery_uses_the_platforms_transport():
    from host.celery_app import app

    with app.connection_for_write() as conn:
        assert type(conn.transport).__module__ == "host.broker"
        assert conn.default_channel.client.ping()
