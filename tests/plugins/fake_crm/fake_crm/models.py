from django.db import models


class PushedScore(models.Model):
    """What FakeCRM 'received' from pushback, in the org's own schema."""

    external_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=10)
    score = models.IntegerField()
    account = models.CharField(max_length=64, default="")  # the connection that wrote it
    schema = models.CharField(max_length=63, default="")  # the schema it was written in
    batch = models.CharField(max_length=32, default="")  # one pushback_write call
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind}={self.score} for {self.external_id}"
