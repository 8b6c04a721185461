"""What the Django admin may do with rows that change only through their services."""


class ReadOnlyAdminMixin:
    """Shows rows and their history, and adds, edits and deletes nothing: each change of these
    rows goes through a service, which checks its rules and writes its audit row. List it
    before ``admin.ModelAdmin`` or ``admin.TabularInline``."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
