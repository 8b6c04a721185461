"""The ledger's coded columns: the words a clerk may write for each choice of a model field."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from bangfu.core.sheet_checking import CellError, fold
from bangfu.registry.ledger.columns.readers import as_text
from bangfu.registry.models import HouseholdTier, Member, PersonalStatus, Residence


@dataclass(frozen=True)
class Labels:
    """The words a clerk may write for each choice; the first one is written on export."""

    words: dict[str, tuple[str, ...]]

    def canonical(self, value: str) -> str:
        return self.words[value][0]

    def __post_init__(self) -> None:
        lookup = {fold(value): value for value in self.words}
        for value, words in self.words.items():
            lookup.update({fold(word): value for word in words})
        object.__setattr__(self, "_lookup", lookup)

    def parse(self, value) -> str:
        raw = as_text(value)
        found = self._lookup.get(raw) or self._lookup.get(fold(raw))
        if found is None:
            raise CellError(
                _("Unknown value “%(value)s”; write one of %(choices)s.")
                % {"value": raw, "choices": "/".join(words[0] for words in self.words.values())}
            )
        return found


HOUSEHOLD_TIERS = Labels(
    {
        HouseholdTier.DIBAO: ("低保", "低保对象", "低保户", "minimum subsistence"),
        HouseholdTier.MARGINAL: ("低保边缘", "低保边缘家庭", "低边", "marginal"),
        HouseholdTier.EXPENDITURE: ("支出型困难", "支出型困难家庭", "expenditure hardship"),
        HouseholdTier.NONE: ("无",),
    }
)
PERSONAL_STATUSES = Labels(
    {
        PersonalStatus.TEKUN: ("特困", "特困人员", "特困供养", "destitute"),
        PersonalStatus.SINGLE_DIBAO: ("单人纳保", "单人户纳保", "single-person dibao"),
        PersonalStatus.NONE: ("无",),
    }
)
RESIDENCES = Labels(
    {
        Residence.URBAN: ("城镇", "城市", "urban"),
        Residence.RURAL: ("农村", "rural"),
    }
)
# 特困 in the household's column, as files written before 特困 became a person's status say it:
# every member of the household is then 特困 unless their own column says otherwise (checking).
HOUSEHOLD_TEKUN = PersonalStatus.TEKUN.value
_TEKUN_WORDS = {fold(word) for word in PERSONAL_STATUSES.words[PersonalStatus.TEKUN]}
_TEMPORARY_WORDS = {fold(word) for word in ("临时救助", "临时", "temporary assistance")}


def household_tier(value) -> str:
    """The household's own status (低保, 低保边缘, 支出型困难, 无); 特困 is read as
    ``HOUSEHOLD_TEKUN``; 临时救助 is refused: it is a grant, not a status."""
    folded = fold(as_text(value))
    if folded in _TEMPORARY_WORDS:
        raise CellError(
            _(
                "Temporary assistance (临时救助) is recorded as a grant on the household's page, "
                "not as a status: write the household's status (低保, 低保边缘, 支出型困难 or 无)."
            )
        )
    if folded in _TEKUN_WORDS:
        return HOUSEHOLD_TEKUN
    return HOUSEHOLD_TIERS.parse(value)


R = Member.Relation
RELATIONS = Labels(
    {
        R.HEAD: ("户主", "本人", "head of household"),
        R.SPOUSE: ("配偶", "妻", "夫", "妻子", "丈夫"),
        R.CHILD: ("子女", "子", "女", "儿子", "女儿", "长子", "长女", "次子", "次女"),
        R.PARENT: ("父母", "父亲", "母亲", "父", "母"),
        R.GRANDCHILD: ("孙子女", "孙子", "孙女", "外孙子", "外孙女"),
        R.GRANDPARENT: ("祖父母", "祖父", "祖母", "外祖父", "外祖母"),
        R.SIBLING: ("兄弟姐妹", "兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹"),
        R.OTHER: ("其他", "other relative"),
    }
)
D = Member.Disability
DISABILITIES = Labels(
    {
        D.NONE: ("无",),
        D.VISUAL: ("视力", "视力残疾"),
        D.HEARING: ("听力", "听力残疾"),
        D.SPEECH: ("言语", "言语残疾"),
        D.PHYSICAL: ("肢体", "肢体残疾"),
        D.INTELLECTUAL: ("智力", "智力残疾"),
        D.MENTAL: ("精神", "精神残疾"),
        D.MULTIPLE: ("多重", "多重残疾"),
    }
)
ILLNESSES = Labels(
    {
        Member.Illness.NONE: ("无", "健康"),
        Member.Illness.CHRONIC: ("慢性病", "chronic illness"),
        Member.Illness.SERIOUS: ("重病", "大病", "重大疾病", "serious illness"),
    }
)
CARE_LEVELS = Labels(
    {
        Member.CareLevel.SELF: ("自理", "生活自理", "全自理", "self-caring"),
        Member.CareLevel.SEMI: ("半护理", "半自理", "semi-dependent"),
        Member.CareLevel.FULL: ("全护理", "不能自理", "fully dependent"),
    }
)
WORK_ABILITIES = Labels(
    {
        Member.WorkAbility.FULL: ("有劳动能力", "有", "able to work"),
        Member.WorkAbility.PARTIAL: ("部分丧失劳动能力", "部分", "弱劳动能力", "partly able"),
        Member.WorkAbility.NONE: ("无劳动能力", "无", "丧失劳动能力", "unable to work"),
    }
)
