"""Version 1 of the API: each part adds its routes here."""

urlpatterns = []
