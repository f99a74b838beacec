"""The one way into the sequences runtime, used by the queue, webhooks and the REST API."""

from __future__ import annotations

from host.contracts import EnrollmentResult, TriggerRequest
from host.plugin_manager import hooks


class NoRuntime(RuntimeError):
    pass


def enroll(request: TriggerRequest) -> EnrollmentResult:
    """Hand ``request`` to the runtime plugin; raises ``EnrollmentError`` when refused."""
    result = hooks().trigger_enroll(request=request)
    if result is None:
        raise NoRuntime("No plugin implements trigger_enroll (the sequences runtime is missing).")
    return result
