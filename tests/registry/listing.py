"""Reading the household list as a user does: every page, following its "next" links."""

from urllib.parse import urlencode

from django.urls import reverse


def registry_numbers_on_every_page(client, **params) -> list[str]:
    """The registry numbers the list shows, page after page, for the logged-in ``client``."""
    seen, query = [], urlencode(params)
    while True:
        response = client.get(f"{reverse('registry:household-list')}?{query}")
        assert response.status_code == 200
        seen += [household.registry_number for household in response.context["households"]]
        query = response.context["page_obj"].next_query
        if not query:
            return seen
