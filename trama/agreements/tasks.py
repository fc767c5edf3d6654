"""Scheduled jobs of the agreements app: crontask imports this module of every app."""

from .tasks_reports import report_reminders
from .tasks_signing import agreements_signature_reminders, agreements_start

__all__ = ["agreements_signature_reminders", "agreements_start", "report_reminders"]
