"""A worker that serves every queue takes survey emails first, then webhook events, then score
writes to the CRM (pushback), then syncs (``TASK_QUEUES`` order, kombu's ``priority`` strategy):
a burst of scheduled syncs, or a pushback backlog, queued before them does not make them wait.
Real Redis, a real worker."""

from __future__ import annotations

import os
import re
import uuid

import pytest
from django.conf import settings

from host.tasks import process_new_events_task, push_queued_task, scheduled_sync_task
from plugins.sequences.tasks import deliver_task
from tests.conftest import ROOT
from tests.reliability.workers import start_worker, stop
from tests.waiting import wait_for

pytestmark = pytest.mark.slow
PROCFILE_QUEUES = re.compile(r"-Q \$\{WORKER_QUEUES:-([a-z,]+)\}")


def _log(name: str) -> str:
    path = ROOT / ".dev" / f"worker-{name}-{os.getpid()}.log"
    return path.read_text() if path.exists() else ""


def test_the_deploy_files_list_the_queues_in_their_order_of_priority():
    assert settings.TASK_QUEUES == ("delivery", "default", "pushback", "sync")
    assert PROCFILE_QUEUES.findall((ROOT / "Procfile").read_text()) == ["delivery,default,pushback,sync"]
    compose = (ROOT / "docker-compose.yml").read_text()
    assert re.findall(r"WORKER_QUEUES:-([a-z,]+)", compose) == ["delivery,default,pushback,sync"] * 2
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["queue_order_strategy"] == "priority"


@pytest.mark.parametrize("queues", ["", "delivery,default,pushback,sync"], ids=["all", "procfile"])
def test_a_free_worker_takes_emails_then_events_then_pushback_before_syncs_queued_earlier(
        committed_org, alone_on_empty_queues, queues):
    org = committed_org("prio")
    headers = {"_schema_name": org.schema_name}
    ours = {}  # task id -> name, in the order they were published: the syncs first
    for task, args in [*[(scheduled_sync_task, ("salesforce",))] * 5,  # not connected: skipped
                       *[(push_queued_task, ("salesforce",))] * 2,  # pushback queue
                       (process_new_events_task, ("salesforce",)),  # default queue, none new
                       (deliver_task, ([str(uuid.uuid4())],))]:  # delivery queue, nothing due
        ours[task.apply_async(args=args, headers=headers).id] = task.name
    name = f"prio-{queues and 'procfile' or 'all'}"
    worker = start_worker(name, queues=queues, pool="solo")  # one task at a time
    try:
        assert wait_for(lambda: all(f"[{task_id}] succeeded" in _log(name) for task_id in ours),
                        timeout=60), _log(name)
    finally:
        stop(worker)
    received = re.findall(r"Task \S+\[([0-9a-f-]+)\] received", _log(name))
    taken = [ours[task_id] for task_id in received if task_id in ours]  # not another test's
    assert taken == ["sequences.deliver", "host.process_new_events", *["host.push_queued"] * 2,
                     *["host.scheduled_sync"] * 5]


def test_a_fan_out_sends_a_task_again_only_once_a_worker_started_the_waiting_one(
        committed_org, alone_on_empty_queues):
    from host.tasking import for_each_org

    org = committed_org("mark")

    def fan_out() -> int:
        return for_each_org(push_queued_task, "salesforce", org_filter=lambda o: o.pk == org.pk)

    assert [fan_out(), fan_out()] == [1, 0]  # a backlog: the first still waits in its queue
    worker = start_worker("mark", pool="solo")
    try:
        assert wait_for(lambda: re.search(r"Task host\.push_queued\[[0-9a-f-]+\] succeeded",
                                          _log("mark")), timeout=60), _log("mark")
    finally:
        stop(worker)
    assert fan_out() == 1
