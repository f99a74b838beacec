"""``/responses``: recorded survey responses, newest first."""

from __future__ import annotations

from api import errors, pagination
from api.examples import VALIDATION_LIST
from api.schema import operation, path_id
from api.serializers.common import PageQuerySerializer
from api.views.base import ApiView, ok
from plugins.sequences.models import Response
from plugins.sequences.rest import examples
from plugins.sequences.rest.response_serializers import ResponseSerializer

TAGS = ["Responses"]


def _responses():
    return Response.objects.select_related("survey", "sending").order_by("-answered_at", "id")


class ResponseListView(ApiView):
    required_scopes = {"GET": "responses:read"}

    @operation("listResponses", "responses:read", "List survey responses",
               description="Newest first. NPS responses (0-10) carry `npsScore` and "
                           "`isPromoter` (9-10); CSAT responses (1-5) carry `csatScore`.",
               ok=ResponseSerializer, many=True, tags=TAGS, parameters=[PageQuerySerializer],
               examples=[*examples.LIST_RESPONSES, VALIDATION_LIST])
    def get(self, request):
        params = pagination.query(request)
        items, meta = pagination.paginate(_responses(), params["page"], params["limit"])
        return ok(ResponseSerializer(items, many=True).data, meta=meta)


class ResponseDetailView(ApiView):
    required_scopes = {"GET": "responses:read"}

    @operation("getResponse", "responses:read", "Get a survey response",
               ok=ResponseSerializer, tags=TAGS,
               parameters=[path_id("response_id", "survey response")],
               examples=examples.GET_RESPONSE, not_found="Response not found")
    def get(self, request, response_id):
        response = _responses().filter(pk=response_id).first()
        if response is None:
            raise errors.not_found("Response not found")
        return ok(ResponseSerializer(response).data)
