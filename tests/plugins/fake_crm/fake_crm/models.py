from django.db import models


class PushedScore(models.Model):
    """What FakeCRM 'received' from pushback, in the org's own schema."""

    external_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=10)
    score = models.IntegerField()
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind}={self.score} for {self.external_id}"
