"""Scheduled jobs of the agreements app: crontask imports this module of every app."""

from .tasks_reports import report_reminders

__all__ = ["report_reminders"]
