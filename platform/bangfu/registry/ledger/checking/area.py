"""The rows against the registry and the importer's area: villages, registry numbers, people."""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from bangfu.core.masking import mask_id_number
from bangfu.core.validators import validate_registry_number
from bangfu.regions.models import Region, counties_of
from bangfu.registry import hooks, identity
from bangfu.registry.ledger.checking.helpers import _chunks, _masked_new, _names
from bangfu.registry.ledger.checking.records import Draft, Masked, MemberRow
from bangfu.registry.models import Household, Member


class AreaChecks:
    """Part of ``LedgerCheck``: which village, household and person each row names, and whether
    the importer may write to it (refused neutrally when not, as the registry's forms refuse)."""

    def _check_villages(self, drafts: dict[str, Draft]) -> None:
        codes = {d.values["village_code"] for d in drafts.values() if "village_code" in d.values}
        regions = {
            region.code: region
            for chunk in _chunks(sorted(codes))
            for region in Region.objects.filter(code__in=chunk)
        }
        for draft in drafts.values():
            code = draft.values.get("village_code")
            if code is None:
                continue
            row = draft.value_rows["village_code"]
            region = regions.get(code)
            if region is None:
                self.error(
                    row, "village_code", _("Unknown village code %(code)s.") % {"code": code}
                )
            elif region.level != Region.Level.VILLAGE:
                self.error(
                    row,
                    "village_code",
                    _("%(code)s is the code of %(name)s, not of a village or community.")
                    % {"code": code, "name": region.name},
                )
            elif not self.scope.covers(region):
                self.error(
                    row,
                    "village_code",
                    _("%(name)s (%(code)s) is outside your area.")
                    % {"name": region.name, "code": code},
                )
            else:
                draft.region = region
        self._check_number_patterns([draft for draft in drafts.values() if draft.region])

    def _check_number_patterns(self, drafts: list[Draft]) -> None:
        """The registry's numbering rule (the one ``Household.clean`` applies on the form)."""
        counties = counties_of({draft.region.pk: draft.region for draft in drafts}.values())
        for draft in drafts:
            county = counties[draft.region.pk]
            try:
                validate_registry_number(draft.registry_number, county_code=county.code)
            except ValidationError as error:
                self.error(draft.rows[0].number, "registry_number", error.messages[0])

    def _check_registry_numbers(self, drafts: dict[str, Draft]) -> None:
        """A registry number already in use in the importer's area names the household the rows
        update; in use outside it, the number is refused neutrally (``identity``), as the
        registry's form refuses it."""
        holders, mine = [], {}
        members = Prefetch("members", queryset=Member.objects.order_by("pk"))
        for chunk in _chunks(sorted(drafts)):
            holders += Household.objects.filter(registry_number__in=chunk).select_related("region")
            mine.update(
                (household.registry_number, household)
                for household in Household.objects.for_user(self.by)
                .filter(registry_number__in=chunk)
                .select_related("region")
                .prefetch_related(members)
            )
        refusals = []
        locked = {
            k: v
            for lock in hooks.ledger_locked_households
            for k, v in lock([*mine.values()]).items()
        }
        for holder in sorted(holders, key=lambda household: household.registry_number):
            number, draft = holder.registry_number, drafts[holder.registry_number]
            if number in mine and holder.pk in locked:
                self.error(draft.rows[0].number, "registry_number", locked[holder.pk])
                continue
            if number in mine:
                draft.household, draft.existing = mine[number], True
                if draft.region is not None and draft.region.pk != holder.region_id:
                    self.error(
                        draft.value_rows["village_code"],
                        "village_code",
                        _(
                            "Household %(number)s is registered in %(village)s; an import does "
                            "not move a household: change its village on the household's page."
                        )
                        % {"number": number, "village": holder.region.name},
                    )
                continue
            refusals.append(
                identity.Refusal(
                    by=self.by,
                    source=self._source,
                    held=holder,
                    village=holder.region,
                    registering=False,
                    attempt=number,
                    attempt_village=draft.region,
                )
            )
            self.error(draft.rows[0].number, "registry_number", identity.REGISTRY_NUMBER_REFUSED)
        identity.refusals_record(refusals)

    @property
    def _source(self) -> str:
        source = identity.Source
        return source.LEDGER_DRY_RUN if self.report.dry_run else source.LEDGER_IMPORT

    def _check_people(self, rows: list[MemberRow], drafts: dict[str, Draft]) -> None:
        """Each person once in the file; a person registered in the importer's area is updated
        by a row of their own household, refused on any other row (naming the household), and
        a person registered outside the area is refused neutrally (``identity``)."""
        seen: dict[str, int] = {}
        for row in rows:
            if row.facts is None:
                continue
            first = seen.setdefault(row.facts.number, row.number)
            if first != row.number:
                row.failed.add("id_number")
                self.error(row.number, "id_number", self._twice(first, row.number))
        by_digest = {row.digest: row for row in rows if row.facts is not None}
        refused: list[tuple[MemberRow, Member]] = []
        for chunk in _chunks(sorted(by_digest)):
            holders = Member.objects.filter(id_number_hash__in=chunk).select_related(
                "household__region"
            )
            mine = set(
                Member.objects.for_user(self.by)
                .filter(id_number_hash__in=chunk)
                .values_list("pk", flat=True)
            )
            for holder in holders:
                row = by_digest[holder.id_number_hash]
                draft = drafts.get(row.values.get("registry_number"))
                if (
                    holder.pk in mine
                    and draft is not None
                    and draft.existing
                    and holder.household_id == draft.household.pk
                ):
                    # The household's own prefetched member, so its changes are seen.
                    row.member = next(m for m in draft.household.members.all() if m.pk == holder.pk)
                    continue
                row.failed.add("id_number")
                if holder.pk in mine:
                    # The same message as the registry's own form (identity.id_number_check).
                    reason = _("This person is already registered in household %(number)s.") % {
                        "number": holder.household.registry_number
                    }
                else:
                    reason = identity.ID_NUMBER_TO_VERIFY
                    refused.append((row, holder))
                self.error(row.number, "id_number", reason)
        self._match_masked_ids(rows, drafts)
        codes = {row.values.get("village_code") for row, _holder in refused}
        villages = Region.objects.in_bulk([code for code in codes if code], field_name="code")
        identity.refusals_record(
            [
                identity.Refusal(
                    by=self.by,
                    source=self._source,
                    held=holder,
                    village=holder.household.region,
                    attempt=row.values.get("registry_number") or "",
                    attempt_village=villages.get(row.values.get("village_code")),
                )
                for row, holder in refused
            ]
        )

    def _match_masked_ids(self, rows: list[MemberRow], drafts: dict[str, Draft]) -> None:
        """A masked ID number (3501**********123X, as the masked export writes it) names the
        member of the row's registered household whose number it masks."""
        updated: dict[int, int] = {}  # member pk → the row that updates them
        for row in rows:
            masked = row.values.get("id_number")
            if isinstance(masked, Masked):
                draft = drafts.get(row.values.get("registry_number"))
                if draft is None or not draft.existing:
                    row.failed.add("id_number")
                    self.error(row.number, "id_number", _masked_new(_("a new household")))
                    continue
                found = [
                    member
                    for member in draft.household.members.all()
                    if mask_id_number(member.id_number) == masked.text
                ]
                if len(found) > 1:
                    # Two members' numbers may mask alike (the same first and last four): the
                    # name tells them apart.
                    found = [member for member in found if _names(member, row.values.get("name"))]
                if len(found) != 1:
                    row.failed.add("id_number")
                    self.error(
                        row.number,
                        "id_number",
                        _(
                            "No single member of household %(number)s has this masked ID "
                            "number; write the number in full."
                        )
                        % {"number": draft.registry_number},
                    )
                    continue
                row.member = found[0]
            if row.member is not None:
                first = updated.setdefault(row.member.pk, row.number)
                if first != row.number:
                    row.failed.add("id_number")
                    self.error(row.number, "id_number", self._twice(first, row.number))

    @staticmethod
    def _twice(first: int, row: int) -> str:
        return _(
            "The same person (ID number) is on rows %(first)d and %(row)d; list each person once."
        ) % {"first": first, "row": row}
