"""Plugs the reminders planner into the lifecycle services: the one place it happens."""

from __future__ import annotations

from lifecycle.services import Services
from lifecycle.services.nomination_notices import DecisionNotices
from notifications.planner import ReminderPlanner
from notifications.workdays import WorkingCalendar


def with_reminders(services: Services, calendar: WorkingCalendar | None = None) -> Services:
    if not any(isinstance(listener, ReminderPlanner) for listener in services.listeners):
        services.listeners.append(ReminderPlanner(services.workflows, calendar))
    if not any(isinstance(listener, DecisionNotices) for listener in services.listeners):
        services.listeners.append(DecisionNotices(services.workflows))
    return services
