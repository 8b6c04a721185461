"""A Provider row for every station and volunteer, carrying what moves onto it.

Name and home region are the ones the pages show (the station's organisation and township; the
volunteer's display name, else user name, and home village); a station that was not accepting
or a volunteer who was not available is paused by its own choice; the quality rating and the
number of outcomes it rests on move over unchanged. Reversing copies them back.
"""

from django.db import migrations


def _volunteer_name(user) -> str:
    # accounts.User.__str__: historical models have no methods.
    return user.display_name or user.username


def forwards(apps, schema_editor):
    Provider = apps.get_model("providers", "Provider")
    Station = apps.get_model("providers", "Station")
    Volunteer = apps.get_model("providers", "Volunteer")
    for station in Station.objects.filter(provider=None).select_related("organisation"):
        station.provider = Provider.objects.create(
            kind="station",
            name=station.organisation.name,
            region_id=station.organisation.region_id,
            is_paused=not station.is_accepting,
            quality_rating=station.quality_rating,
            rated_outcomes=station.rated_outcomes,
        )
        station.save(update_fields=["provider"])
    for volunteer in Volunteer.objects.filter(provider=None).select_related("user"):
        volunteer.provider = Provider.objects.create(
            kind="volunteer",
            name=_volunteer_name(volunteer.user),
            region_id=volunteer.home_region_id,
            is_paused=not volunteer.is_available,
            quality_rating=volunteer.quality_rating,
            rated_outcomes=volunteer.rated_outcomes,
        )
        volunteer.save(update_fields=["provider"])


def backwards(apps, schema_editor):
    Provider = apps.get_model("providers", "Provider")
    Station = apps.get_model("providers", "Station")
    Volunteer = apps.get_model("providers", "Volunteer")
    for model, flag in ((Station, "is_accepting"), (Volunteer, "is_available")):
        for row in model.objects.exclude(provider=None).select_related("provider"):
            provider = row.provider
            setattr(row, flag, not provider.is_paused)
            row.quality_rating = provider.quality_rating
            row.rated_outcomes = provider.rated_outcomes
            row.provider = None
            row.save(update_fields=[flag, "quality_rating", "rated_outcomes", "provider"])
            provider.delete()


class Migration(migrations.Migration):
    dependencies = [("providers", "0004_provider")]

    operations = [migrations.RunPython(forwards, backwards)]
