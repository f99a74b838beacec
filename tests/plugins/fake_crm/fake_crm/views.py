from django.db import connection
from django.http import JsonResponse


def whoami(request):
    return JsonResponse({"schema": connection.schema_name})
