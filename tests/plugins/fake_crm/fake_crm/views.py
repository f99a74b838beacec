from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse


def public_whoami(request):
    return JsonResponse({"schema": connection.schema_name})


whoami = login_required(public_whoami)
