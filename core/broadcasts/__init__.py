"""Broadcasts: announcements written by staff, their audiences and progress."""
