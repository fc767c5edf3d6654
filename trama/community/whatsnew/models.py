"""Up to when each member's weekly digest has covered what is new."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from trama.community.models import Member


class WeeklyMark(models.Model):
    """The end of the period the member's last weekly digest covered (sent or found empty):
    the next one starts there, and a second run in the same week sends nothing."""

    member = models.OneToOneField(
        Member,
        verbose_name=_("community member"),
        on_delete=models.CASCADE,
        related_name="weekly_mark",
    )
    covered_until = models.DateTimeField(_("covered until"))
    sent_at = models.DateTimeField(_("last e-mail sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("weekly digest mark")
        verbose_name_plural = _("weekly digest marks")

    def __str__(self):
        return f"{self.member}: {self.covered_until:%Y-%m-%d %H:%M}"
