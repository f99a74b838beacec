"""Deleting expired rows in batches: short transactions, no long lock on a busy table."""

from __future__ import annotations

BATCH_SIZE = 1000


def delete_in_batches(queryset, batch_size: int = BATCH_SIZE) -> int:
    """Delete every row of ``queryset``, ``batch_size`` at a time; return how many went."""
    deleted = 0
    while True:
        pks = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not pks:
            return deleted
        count, _ = queryset.model.objects.filter(pk__in=pks).delete()
        deleted += count
