"""The Redis broker transport, with one fix: a worker survives losing Redis mid-task.

kombu 5.7's Redis channel breaks twice when the consumer loses its connection while a task is
running (``acks_late``: its message is unacknowledged). Closing the channel, it tries to put the
message back through a connection pool it has just dropped; and once the worker has reconnected,
the task's acknowledgement goes to that closed channel. Both raise ``AttributeError`` (the
channel's connection details are gone), which stops the worker ("Unrecoverable error") instead
of letting it carry on. Here both are logged and skipped. The message stays in Redis's unacked
set (when Redis kept its data) and comes back after the visibility timeout, like a task of a
killed worker (the host's tasks are idempotent, and its sweepers cover the work either way).
Used through ``CELERY_BROKER_TRANSPORT``.
"""

from __future__ import annotations

import logging

from kombu.transport import redis

log = logging.getLogger(__name__)


class QoS(redis.QoS):
    def _connection_lost(self) -> bool:
        return getattr(self.channel.connection, "client", None) is None

    def restore_unacked_once(self, stderr=None):
        try:
            return super().restore_unacked_once(stderr)
        except AttributeError:
            if not self._connection_lost():
                raise
            log.warning("broker connection lost with %d unacknowledged message(s); Redis "
                        "restores them after the visibility timeout", len(self._delivered))
            return None

    def ack(self, delivery_tag):
        if self._connection_lost():  # a message of the connection lost before the task ended
            log.warning("a task ended after its broker connection was lost; its message comes "
                        "back after the visibility timeout")
            self._delivered.pop(delivery_tag, None)
            return
        super().ack(delivery_tag)

    def reject(self, delivery_tag, requeue=False):
        if self._connection_lost():
            self._delivered.pop(delivery_tag, None)
            return
        super().reject(delivery_tag, requeue)


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel
