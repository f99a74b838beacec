"""``/sequences``: list, get, and execute (enroll contacts through the one enrollment service)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch

from api import errors, pagination
from api.examples import VALIDATION_LIST
from api.idempotency import client_key, idempotent
from api.schema import IDEMPOTENCY_KEY, operation, path_id
from api.serializers.common import PageQuerySerializer
from api.views.base import ApiView, ok
from host.contracts import EnrollmentError, TriggerContact, TriggerRequest
from host.trigger import enroll
from plugins.sequences.models import Sequence, Step
from plugins.sequences.rest import examples
from plugins.sequences.rest.sequence_serializers import (
    ExecuteResponseSerializer,
    ExecuteResultSerializer,
    ExecuteSerializer,
    SequenceSerializer,
)

TAGS = ["Sequences"]
SEQUENCE_ID = path_id("sequence_id", "sequence")
# Skips that mean "this contact cannot be enrolled at all"; a batch of only these is refused.
UNENROLLABLE = {"invalid_email", "missing_email", "unsubscribed"}


def _sequences():
    return Sequence.objects.prefetch_related(Prefetch("steps", Step.objects.order_by("position")))


class SequenceListView(ApiView):
    required_scopes = {"GET": "sequences:read"}

    @operation("listSequences", "sequences:read", "List sequences",
               description="By name, with their steps in order.",
               ok=SequenceSerializer, many=True, tags=TAGS, parameters=[PageQuerySerializer],
               examples=[*examples.LIST_SEQUENCES, VALIDATION_LIST])
    def get(self, request):
        params = pagination.query(request)
        items, meta = pagination.paginate(_sequences().order_by("name", "id"), params["page"],
                                          params["limit"])
        return ok(SequenceSerializer(items, many=True).data, meta=meta)


class SequenceDetailView(ApiView):
    required_scopes = {"GET": "sequences:read"}

    @operation("getSequence", "sequences:read", "Get a sequence",
               ok=SequenceSerializer, tags=TAGS, parameters=[SEQUENCE_ID],
               examples=examples.GET_SEQUENCE, not_found="Sequence not found")
    def get(self, request, sequence_id):
        sequence = _sequences().filter(pk=sequence_id).first()
        if sequence is None:
            raise errors.not_found("Sequence not found")
        return ok(SequenceSerializer(sequence).data)


class SequenceExecuteView(ApiView):
    required_scopes = {"POST": "sequences:execute"}

    @operation("executeSequence", "sequences:execute", "Enroll contacts in a sequence",
               description="1-100 contacts, matched by `email`: created if new, updated if "
                           "known, then enrolled. Each result is `queued` (with `sendingId`) or "
                           "`skipped` with a `reason` (`invalid_email`, `unsubscribed`, "
                           "`cooldown`, `duplicate_in_request`, `already_enrolled`). A batch in "
                           "which every contact is invalid or unsubscribed is refused with 400 and "
                           "changes nothing; so is a sequence that is not active or has no steps "
                           "(`details.reason`). `locationId` applies to every contact without its "
                           "own; `employeeId` is accepted and ignored.",
               ok=ExecuteResponseSerializer, request=ExecuteSerializer, tags=TAGS,
               parameters=[SEQUENCE_ID, IDEMPOTENCY_KEY], errors=(*errors.COMMON_ERRORS, 422),
               examples=examples.EXECUTE, not_found="Sequence not found")
    def post(self, request, sequence_id):
        self.sequence_id = sequence_id
        return idempotent(request, self.org, self._execute)

    def _execute(self, request):
        serializer = ExecuteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        trigger = TriggerRequest(
            sequence_id=self.sequence_id, source="api", idempotency_key=client_key(request),
            contacts=[_trigger_contact(c, serializer.validated_data.get("locationId"))
                      for c in serializer.validated_data["contacts"]],
        )
        with transaction.atomic():  # raising below rolls back contact updates: nothing written
            try:
                result = enroll(trigger)
            except EnrollmentError as exc:
                raise _enrollment_error(exc) from None
            results = ExecuteResultSerializer(result.outcomes, many=True).data
            if all(o.status == "skipped" and o.reason in UNENROLLABLE for o in result.outcomes):
                raise errors.validation_error(
                    {"contacts": ["Every contact is invalid or unsubscribed."], "results": results},
                    "No contact can be enrolled")
        return ok({
            "sequenceId": str(result.sequence_id),
            "sequenceName": result.sequence_name,
            "contactsProcessed": len(result.outcomes),
            "sendingsCreated": result.sendings_created,
            "results": results,
        })


def _trigger_contact(data: dict, location_id=None) -> TriggerContact:
    """One contact of an execute body; the body's ``locationId`` applies to all of them."""
    return TriggerContact(
        email=data["email"], first_name=data.get("first_name", ""),
        last_name=data.get("last_name", ""), phone=data.get("phone", ""),
        title=data.get("title", ""), preferred_language=data.get("preferred_language"),
        custom_fields=data.get("custom_fields") or {}, tags=data.get("tags"),
        location_id=data.get("location_id") or location_id,
        contact_organization_id=data.get("contact_organization_id"),
    )


def _enrollment_error(exc: EnrollmentError) -> errors.ApiError:
    if exc.code == "sequence_not_found":
        return errors.not_found("Sequence not found")
    return errors.ApiError(400, "VALIDATION_ERROR", exc.message,
                           {"sequence": [exc.message], "reason": exc.code})
