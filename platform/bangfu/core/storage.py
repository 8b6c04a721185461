from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property


class NoURL:
    """A storage of files that hold personal data: no URL of any kind, public or signed, since
    a link would reach the file past the view that checks who asks (and audits the download)."""

    def url(self, name, *args, **kwargs):
        raise ValueError("A private file has no URL: the view that checks who asks hands it out.")


class PrivateStorage(NoURL, FileSystemStorage):
    """Files that hold personal data (imports waiting for their task, finished exports): kept
    under ``PRIVATE_ROOT`` and served by no URL; a view that checks who asks hands them out.
    With several web nodes, ``bangfu.core.object_storage.PrivateObjectStorage`` keeps them."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)
