"""``page``/``limit`` paging with the documented ``meta {page, perPage, total, totalPages}``."""

from __future__ import annotations

import math

from api import errors
from api.serializers.common import PageQuerySerializer


def query(request, serializer_class=PageQuerySerializer) -> dict:
    """Validated query parameters (400 VALIDATION_ERROR with details when invalid)."""
    serializer = serializer_class(data=request.query_params.dict())
    if not serializer.is_valid():
        raise errors.validation_error(errors.camel_details(serializer.errors),
                                      "Invalid query parameters")
    return serializer.validated_data


def paginate(queryset, page: int, per_page: int) -> tuple[list, dict]:
    total = queryset.count()
    start = (page - 1) * per_page
    items = list(queryset[start:start + per_page]) if start < total else []
    meta = {"page": page, "perPage": per_page, "total": total,
            "totalPages": math.ceil(total / per_page) if total else 0}
    return items, meta
