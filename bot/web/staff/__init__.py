"""The staff workspace under ``/staff``: sign-in, topics, review, inbox, dashboard, spreadsheet.

Built for a commune official with no IT training: plain Vietnamese, big buttons,
phone-width pages, and every change kept as a version that can be restored.
"""

from bot.web.staff.site import StaffSite, staff_routes

__all__ = ["StaffSite", "staff_routes"]
