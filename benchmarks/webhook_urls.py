"""The org URLconf plus ``POST /__bench__/insert``: a trivial view doing one INSERT, the
reference the webhook's ingest rate is compared with."""

from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from host.urls_org import urlpatterns as org_urlpatterns

TABLE = "public.webhook_bench_reference"


@csrf_exempt
def insert(request):
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (body) VALUES (%s)", [request.body[:2000].decode()])  # noqa: S608 - constant table name
    return JsonResponse({"data": {"stored": True}}, status=202)


urlpatterns = [path("__bench__/insert", insert), *org_urlpatterns]
