import pytest
from django.conf import settings


@pytest.fixture
def staff_client(client, bureau_staff):
    """Bureau staff logged in, with the language switch set to English."""
    client.force_login(bureau_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
