from django.db import models

from activities.models import Occurrence


class Shift(models.Model):
    """Like a volunteer shift: it hangs on a date and must never vanish with it."""

    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="+")
    task = models.CharField(max_length=50)

    def __str__(self) -> str:
        return self.task
