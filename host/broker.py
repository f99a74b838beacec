"""The Redis broker transport, with one fix: a worker survives losing Redis mid-task.

kombu 5.7's Redis channel, when the consumer loses its connection while a task is running
(``acks_late``: its message is unacknowledged), closes the channel and tries to put the message
back through a connection pool it has just dropped, whose connection details are gone too; the
``AttributeError`` stops the worker ("Unrecoverable error") instead of letting it reconnect. Here
that one case is logged and the worker reconnects. The message stays in Redis's unacked set (when
Redis kept its data) and comes back after the visibility timeout, like a task of a killed worker;
the host's sweepers cover the work either way. Used through ``CELERY_BROKER_TRANSPORT``.
"""

from __future__ import annotations

import logging

from kombu.transport import redis

log = logging.getLogger(__name__)


class QoS(redis.QoS):
    def restore_unacked_once(self, stderr=None):
        try:
            return super().restore_unacked_once(stderr)
        except AttributeError:
            if getattr(self.channel.connection, "client", None) is not None:
                raise  # not the lost-connection case
            log.warning("broker connection lost with %d unacknowledged message(s); Redis "
                        "restores them after the visibility timeout", len(self._delivered))
            return None


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel
