"""Views of the offers: the bureau's moderation and allocation (staff) and the charity portal."""
