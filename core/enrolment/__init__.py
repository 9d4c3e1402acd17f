"""Enrolment: applications, quotes, the waiting list, decisions, leaving, summer campaigns."""
