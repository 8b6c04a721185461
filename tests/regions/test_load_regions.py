"""manage.py load_regions: the official lists and their changes, as a clerk loads them."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from bangfu.regions.models import Region, RegionChange
from tests.factories import HouseholdFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

DATA = Path(__file__).parent / "data"
GBT = str(DATA / "gbt2260_excerpt.txt")
NBS = str(DATA / "nbs_530428_excerpt.txt")
CHANGES = str(DATA / "changes_2024.csv")


def load(*args) -> str:
    out = StringIO()
    call_command("load_regions", *args, stdout=out)
    return out.getvalue()


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def tree() -> dict[str, tuple[str, int, str | None]]:
    """code → (name, level, parent's code) of every region."""
    return {
        region.code: (region.name, region.level, region.parent.code if region.parent else None)
        for region in Region.objects.select_related("parent")
    }


@pytest.fixture
def loaded():
    load(GBT, NBS)


def test_it_builds_the_tree_from_the_county_list_and_the_statistical_codes():
    out = load(GBT, NBS)

    assert "gbt2260_excerpt.txt: GB/T 2260 (县级以上行政区划代码), 13 rows" in out
    assert "(1 line without a code skipped)" in out  # the note below the table
    assert "nbs_530428_excerpt.txt: 统计用区划代码 (NBS statistical division codes), 8 rows" in out
    regions = tree()
    assert regions["53"] == ("云南省", Region.Level.PROVINCE, None)
    assert regions["5304"] == ("玉溪市", Region.Level.CITY, "53")
    assert regions["530428"] == ("元江哈尼族彝族傣族自治县", Region.Level.COUNTY, "5304")
    # The project's convention: 9 digits for a township, 12 for a village.
    assert regions["530428101"] == ("曼来镇", Region.Level.TOWNSHIP, "530428")
    assert regions["530428101202"] == ("老王寨村委会", Region.Level.VILLAGE, "530428101")
    # A province-run city hangs on the province; a municipality's districts on its 市辖区.
    assert regions["419001"] == ("济源市", Region.Level.COUNTY, "41")
    assert regions["1101"] == ("市辖区", Region.Level.CITY, "11")
    assert regions["110101"][2] == "1101"
    assert len(regions) == 13 + 1 + 8
    village = Region.objects.get(code="530428101202")
    assert village.path == "53/5304/530428/530428101/530428101202/"
    assert "Loaded: 22 created, 0 renamed" in out
    assert not RegionChange.objects.exists()  # a list's regions are not events


def test_loading_the_same_files_again_changes_nothing(loaded):
    before = list(Region.objects.values_list("code", "name", "path", "retired_on"))

    out = load(GBT, NBS, "--as-of", "2024-12-31")

    assert "0 created, 0 renamed, 0 merged, 0 retired, 0 back in the lists, 21 unchanged" in out
    assert list(Region.objects.values_list("code", "name", "path", "retired_on")) == before
    assert not RegionChange.objects.exists()


def test_a_rename_in_a_newer_list_is_recorded_with_its_date(loaded, tmp_path):
    clerk = UserFactory(username="regions_clerk")
    newer = Path(GBT).read_text(encoding="utf-8").replace("江川区", "江川新区")
    newer_list = write(tmp_path, "xzqh_2025.txt", newer)

    out = load(newer_list, "--as-of", "2025-01-01", "--as", "regions_clerk")

    assert "rename 530403 江川区 → 江川新区 on 2025-01-01" in out
    assert Region.objects.get(code="530403").name == "江川新区"
    change = RegionChange.objects.get()
    assert (change.region.code, change.kind, change.date) == (
        "530403",
        "rename",
        dt.date(2025, 1, 1),
    )
    assert (change.old_name, change.new_name) == ("江川区", "江川新区")
    assert (change.source, change.loaded_by) == ("xzqh_2025.txt", clerk)
    # Loading it again records nothing more; an older list does not rename it back.
    load(newer_list, "--as-of", "2025-01-01")
    out = load(GBT, "--as-of", "2024-01-01")
    assert "1 left as they are by an older date" in out
    assert Region.objects.get(code="530403").name == "江川新区"
    assert RegionChange.objects.count() == 1


def test_a_rename_without_the_lists_date_is_refused(loaded, tmp_path):
    newer_list = write(
        tmp_path,
        "xzqh_2025.txt",
        Path(GBT).read_text(encoding="utf-8").replace("江川区", "江川新区"),
    )

    with pytest.raises(CommandError, match="nothing was written"):
        load(newer_list)

    assert Region.objects.get(code="530403").name == "江川区"


def test_the_changes_file_records_rename_merge_and_retirement_and_households_stay(loaded):
    merged_away = HouseholdFactory(region=Region.objects.get(code="530428001201"))
    retired_village = HouseholdFactory(region=Region.objects.get(code="530428101203"))

    out = load(CHANGES)

    assert "changes_2024.csv: 区划变更 (changes), 3 rows" in out
    assert "rename 530428101202 老王寨村委会 → 老王寨村民委员会 on 2024-03-01" in out
    assert "merge 530428001201 南洒村委会 into 530428001001 on 2024-06-01" in out
    assert "retire 530428101203 布龙村委会 on 2024-06-01" in out
    changes = {change.region.code: change for change in RegionChange.objects.all()}
    assert changes["530428101202"].kind == "rename"
    assert changes["530428101202"].date == dt.date(2024, 3, 1)
    assert changes["530428001201"].kind == "merge"
    assert changes["530428001201"].successor.code == "530428001001"
    assert changes["530428101203"].kind == "retire"
    assert Region.objects.get(code="530428001201").retired_on == dt.date(2024, 6, 1)
    # Retired, not deleted: the households keep their region.
    merged_away.refresh_from_db()
    retired_village.refresh_from_db()
    assert merged_away.region.code == "530428001201"
    assert retired_village.region.code == "530428101203"
    active = set(Region.objects.active().values_list("code", flat=True))
    assert "530428001001" in active
    assert not {"530428001201", "530428101203"} & active
    # Again: nothing more.
    assert "0 merged, 0 retired" in load(CHANGES)
    assert RegionChange.objects.count() == 3


def test_a_complete_list_retires_what_it_leaves_out(loaded, tmp_path):
    household = HouseholdFactory(region=Region.objects.get(code="530428101203"))
    complete = Path(NBS).read_text(encoding="utf-8").replace("530428101203 220 布龙村委会\n", "")
    complete_list = write(tmp_path, "530428_2025.txt", complete)

    out = load(complete_list, "--as-of", "2025-06-30", "--retire-missing", "530428")

    assert "retire 530428101203 布龙村委会 on 2025-06-30" in out
    assert Region.objects.get(code="530428101203").retired_on == dt.date(2025, 6, 30)
    household.refresh_from_db()
    assert household.region.code == "530428101203"
    # What the list holds, and what lies outside the area, stay in the lists.
    assert Region.objects.active().filter(code__in=["530428", "530428101", "530423"]).count() == 3
    change = RegionChange.objects.get()
    assert (change.kind, change.source) == ("retire", "530428_2025.txt")


def test_a_bad_row_is_named_by_line_and_field_and_nothing_is_written(tmp_path):
    bad = write(
        tmp_path,
        "bad.txt",
        "530000 云南省\n530400 玉溪市\n53042 元江县\n530423\n",
    )
    out = StringIO()

    with pytest.raises(CommandError, match="Refused: 2 errors; nothing was written"):
        call_command("load_regions", bad, stdout=out)

    assert "bad.txt, line 3, code: “53042” has 5 digits" in out.getvalue()
    assert "bad.txt, line 4, name: The name is missing." in out.getvalue()
    assert not Region.objects.exists()
    # The same rows, corrected, load.
    good = write(tmp_path, "good.txt", "530000 云南省\n530400 玉溪市\n530423 通海县\n")
    load(good)
    assert Region.objects.count() == 3


def test_a_region_whose_parent_is_missing_is_reported_not_guessed(loaded, tmp_path):
    orphan = write(tmp_path, "orphan.csv", "530428102000,因远镇\n530428103201,220,某某村委会\n")
    out = StringIO()

    with pytest.raises(CommandError):
        call_command("load_regions", orphan, stdout=out)

    assert "orphan.csv, line 2, code: The region above 530428103201, 530428103" in out.getvalue()
    assert not Region.objects.filter(code="530428102").exists()


def test_a_dry_run_shows_the_changes_and_writes_nothing(loaded):
    out = load(CHANGES, "--dry-run")

    assert "merge 530428001201 南洒村委会 into 530428001001" in out
    assert "Dry run, nothing written: 0 created, 1 renamed, 1 merged, 1 retired" in out
    assert not RegionChange.objects.exists()
    assert Region.objects.active().filter(code="530428001201").exists()


def test_a_first_dry_run_writes_no_region():
    assert "Dry run, nothing written: 22 created" in load(GBT, NBS, "--dry-run")
    assert not Region.objects.exists()


def test_a_workbook_with_named_columns_loads(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2024年统计用区划代码"])
    sheet.append(["统计用区划代码", "城乡分类代码", "名称"])
    sheet.append([530000000000, None, "云南省"])
    sheet.append([530400000000, None, "玉溪市"])
    sheet.append([530428000000, None, "元江哈尼族彝族傣族自治县"])
    sheet.append([530428102000, None, "因远镇"])
    sheet.append([530428102201, 220, "安定村委会"])
    workbook.save(tmp_path / "530428.xlsx")

    out = load(str(tmp_path / "530428.xlsx"))

    assert "统计用区划代码 (NBS statistical division codes), 5 rows" in out
    assert tree()["530428102201"] == ("安定村委会", Region.Level.VILLAGE, "530428102")


def test_a_changes_file_creates_regions_with_their_date(loaded, tmp_path):
    created = write(
        tmp_path,
        "xinshe.txt",
        "2024-09-01 新设 530428104000 新城镇\n2024-09-01 新设 530428104201 新城村委会\n",
    )

    out = load(created)

    assert "xinshe.txt: 区划变更 (changes), 2 rows" in out
    assert tree()["530428104201"] == ("新城村委会", Region.Level.VILLAGE, "530428104")
    assert set(RegionChange.objects.values_list("region__code", "kind", "date")) == {
        ("530428104", "create", dt.date(2024, 9, 1)),
        ("530428104201", "create", dt.date(2024, 9, 1)),
    }
    assert "0 created" in load(created)


def test_a_merge_into_a_code_no_list_holds_is_refused(loaded, tmp_path):
    merge = write(
        tmp_path,
        "merge.csv",
        "日期,类型,代码,新代码,新名称\n2024-06-01,合并,530428001201,530428001299,\n",
    )
    out = StringIO()

    with pytest.raises(CommandError):
        call_command("load_regions", merge, stdout=out)

    assert "merge.csv, line 2, new_code: No region in the lists has this code" in out.getvalue()
    assert Region.objects.get(code="530428001201").retired_on is None


def test_retiring_what_a_list_leaves_out_needs_the_lists_date(loaded):
    with pytest.raises(CommandError, match="--retire-missing needs the lists' date"):
        load(NBS, "--retire-missing", "530428")

    assert not Region.objects.filter(retired_on__isnull=False).exists()
