"""The record of processing activities, the retention schedule and its runs; seeded with what
Bangfu actually processes (个人信息保护法 art. 51, 54-55) and the schedule's defaults.

The record is a document the bureau hands an assessor, so it is written in Chinese; the security
administrator keeps it up to date on /staff/privacy/ afterwards."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MEASURES = (
    "按区域授权（本辖区可见）；列表默认脱敏；身份证号、电话加密存储（字段级加密）并以带密钥哈希检索；"
    "查看完整身份证号须单独操作并记入审计日志；审计日志防篡改；传输加密（TLS）；登录失败锁定、会话超时"
)
ACTIVITIES = [
    {
        "code": "household-registry",
        "name": "困难家庭登记与分层分类管理",
        "purpose": "认定和复核低保、特困、低保边缘、支出型困难等救助对象，开展动态管理",
        "legal_basis": "statutory_duty",
        "legal_reference": "《社会救助暂行办法》；《最低生活保障审核确认办法》；个人信息保护法第十三条第三项",
        "data_categories": "姓名、性别、出生日期、与户主关系、住址、联系电话、收入、金融资产、就业情况、"
        "户籍类别（城乡）、救助状态与决定记录",
        "sensitive_data": "身份证号；残疾类别和等级、疾病情况、护理等级（健康信息）；未成年人（孤儿、事实无人抚养儿童）信息",
        "data_subjects": "困难家庭成员（含未成年人）",
        "recipients": "本级及上级民政部门；乡镇人民政府（审核确认）；村（社区）社会救助协理员",
        "retention": "在册期间；退出满5年后匿名化（保留统计数据），该户在其他部门比对数据中的行一并删除；"
        "审计日志中的变更记录（姓名、出生日期、疾病说明、走访和需求备注已脱敏）"
        "按审计日志保留期限（AUDIT_RETENTION_DAYS）保存后删除",
        "security_measures": MEASURES,
        "responsible_unit": "县级民政局社会救助股",
        "sort_order": 10,
    },
    {
        "code": "identity-checks",
        "name": "身份核验与重复登记核查",
        "purpose": "以身份证号核验身份，防止同一人重复登记或跨区域重复享受救助",
        "legal_basis": "statutory_duty",
        "legal_reference": "《社会救助暂行办法》第十一条；个人信息保护法第二十八条（敏感个人信息）",
        "data_categories": "身份证号（加密）及其带密钥哈希、出生日期、性别",
        "sensitive_data": "身份证号",
        "data_subjects": "困难家庭成员；排查对象",
        "recipients": "不对外提供；跨区域重复时仅向覆盖两地的上级民政部门发出预警，不透露另一地信息",
        "retention": "与登记信息相同；匿名化时一并删除身份证号及其哈希",
        "security_measures": MEASURES,
        "responsible_unit": "县级民政局社会救助股",
        "sort_order": 20,
    },
    {
        "code": "needs-assessment",
        "name": "入户走访与服务需求评估",
        "purpose": "评估家庭的服务需求及其紧迫程度，确定服务优先顺序",
        "legal_basis": "statutory_duty",
        "legal_reference": "《关于加强社会救助服务类救助的指导意见》；个人信息保护法第十三条第三项",
        "data_categories": "走访记录、需求类别、严重程度、紧迫程度、方便服务的时间、备注",
        "sensitive_data": "健康、残疾、护理需求",
        "data_subjects": "困难家庭成员",
        "recipients": "民政部门；协理员",
        "retention": "与登记信息相同；匿名化时清除自由文本备注，保留需求类别",
        "security_measures": MEASURES,
        "responsible_unit": "乡镇民政办；县级民政局",
        "sort_order": 30,
    },
    {
        "code": "referrals",
        "name": "服务转介与服务记录",
        "purpose": "将需求转介给社工站、志愿者、购买服务项目承接机构，跟踪服务至结果",
        "legal_basis": "statutory_duty",
        "legal_reference": "《政府购买服务管理办法》；个人信息保护法第二十三条（向其他处理者提供）",
        "data_categories": "服务所需的最少信息：姓名（脱敏）、村、需求、方便时间；服务记录和反馈",
        "sensitive_data": "与服务相关的健康、残疾信息（仅服务所需）",
        "data_subjects": "接受服务的家庭成员",
        "recipients": "社会工作服务站；志愿者；承接购买服务的社会组织（仅在转介有效期间可见）",
        "retention": "与登记信息相同；匿名化时清除备注，保留转介结果和次数",
        "security_measures": MEASURES + "；服务方不可见身份证号和收入",
        "responsible_unit": "县级民政局；乡镇社工站",
        "sort_order": 40,
    },
    {
        "code": "crosscheck",
        "name": "部门数据比对（政策找人）",
        "purpose": "比对残联、医保、教育、人社等部门数据，主动发现应纳未纳对象和需复核对象",
        "legal_basis": "statutory_duty",
        "legal_reference": "《关于加强低收入人口动态监测做好分层分类社会救助工作的意见》",
        "data_categories": "其他部门名单中的姓名、身份证号（加密）、村、相关事实（如残疾证、医疗费用）",
        "sensitive_data": "身份证号；残疾和医疗信息",
        "data_subjects": "其他部门名单中的人员（含未登记人员）",
        "recipients": "民政部门；负责核实的协理员",
        "retention": "比对文件行数据保留365天（各来源最新一期保留），所涉家庭匿名化时即删除；"
        "导入记录（文件SHA-256、数量）长期保留",
        "security_measures": MEASURES,
        "responsible_unit": "县级民政局",
        "sort_order": 50,
    },
    {
        "code": "help-requests",
        "name": "群众一键求助",
        "purpose": "受理公众的求助，转介服务，并以短信告知办理进度",
        "legal_basis": "consent",
        "legal_reference": "个人信息保护法第十三条第一项（求助时同意被联系）",
        "data_categories": "姓名、手机号（加密）、求助内容（加密）、所在乡镇和村、联系记录",
        "sensitive_data": "求助内容中可能包含的健康信息",
        "data_subjects": "求助的公众",
        "recipients": "乡镇受理窗口；村协理员；短信服务商（仅手机号和进度）",
        "retention": "办结满3年后匿名化（保留办理步骤和结果）",
        "security_measures": MEASURES,
        "responsible_unit": "乡镇民政办",
        "sort_order": 60,
    },
    {
        "code": "staff-accounts",
        "name": "工作人员账号与审计日志",
        "purpose": "身份鉴别、权限管理、安全审计（等级保护）",
        "legal_basis": "contract",
        "legal_reference": "网络安全法第二十一条（日志留存不少于六个月）；GB/T 22239-2019",
        "data_categories": "姓名、用户名、手机号、所属单位和角色、登录时间和IP地址、操作记录"
        "（含登记信息的变更记录，个人信息已脱敏）",
        "sensitive_data": "",
        "data_subjects": "民政工作人员、协理员、服务机构人员、志愿者",
        "recipients": "安全审计员；系统管理员（不含审计日志）",
        "retention": "账号：在职期间；审计日志（含脱敏的变更记录）：3年（AUDIT_RETENTION_DAYS，"
        "不少于180天），家庭匿名化后不提前删除",
        "security_measures": "双因素认证；口令复杂度和定期更换；三员分立；审计日志哈希链防篡改",
        "responsible_unit": "县级民政局（安全管理员）",
        "sort_order": 70,
    },
]
RULES = [
    ("households_exited", 5, "Bangfu default: personal fields of households exited 5 years"),
    ("help_requests_closed", 3, "Bangfu default: requester's details 3 years after closing"),
    ("crosscheck_records", 365, "Bangfu default: rows of other departments' files after a year"),
]


def seed(apps, schema_editor):
    Activity = apps.get_model("privacy", "ProcessingActivity")
    Rule = apps.get_model("privacy", "RetentionRule")
    for row in ACTIVITIES:
        Activity.objects.update_or_create(code=row["code"], defaults=row)
    for category, period, note in RULES:
        Rule.objects.update_or_create(
            category=category, region=None, defaults={"period": period, "note": note}
        )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("regions", "0004_urgent_deadline_defaults"),
        ("registry", "0011_ledger_import_updates"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ProcessingActivity",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.SlugField(max_length=40, unique=True, verbose_name="code")),
                ("name", models.CharField(max_length=100, verbose_name="processing activity")),
                ("purpose", models.TextField(verbose_name="purpose")),
                ("legal_basis", models.CharField(choices=[("statutory_duty", "statutory duty of a public body (法定职责)"), ("consent", "consent of the person (个人同意)"), ("contract", "contract or employment (合同或人力资源管理)"), ("emergency", "emergency protecting life, health or property")], max_length=20, verbose_name="legal basis")),
                ("legal_reference", models.CharField(blank=True, help_text="The law or document that gives the duty, e.g. 社会救助暂行办法.", max_length=300, verbose_name="legal reference")),
                ("data_categories", models.TextField(verbose_name="categories of personal information")),
                ("sensitive_data", models.TextField(blank=True, help_text="Health, disability, ID numbers, minors' data…; empty: none.", verbose_name="sensitive personal information")),
                ("data_subjects", models.CharField(max_length=300, verbose_name="categories of people")),
                ("recipients", models.TextField(blank=True, verbose_name="recipients")),
                ("retention", models.CharField(max_length=300, verbose_name="retention")),
                ("security_measures", models.TextField(verbose_name="security measures")),
                ("responsible_unit", models.CharField(max_length=200, verbose_name="responsible unit")),
                ("sort_order", models.PositiveSmallIntegerField(default=0, verbose_name="order")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("region", models.ForeignKey(blank=True, help_text="Empty: every region of the platform.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="regions.region", verbose_name="region")),
            ],
            options={
                "verbose_name": "processing activity",
                "verbose_name_plural": "processing activities",
                "ordering": ["sort_order", "code"],
            },
        ),
        migrations.CreateModel(
            name="RetentionRule",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("category", models.CharField(choices=[("households_exited", "households exited (years after exit)"), ("help_requests_closed", "help requests closed (years)"), ("crosscheck_records", "rows of cross-check files (days)")], max_length=24, verbose_name="category")),
                ("period", models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(3650)], verbose_name="period")),
                ("is_active", models.BooleanField(default=True, verbose_name="applied")),
                ("note", models.CharField(blank=True, max_length=300, verbose_name="source or reason")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("region", models.ForeignKey(blank=True, limit_choices_to={"level": 3}, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="regions.region", verbose_name="county")),
                ("updated_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="updated by")),
            ],
            options={
                "verbose_name": "retention rule",
                "verbose_name_plural": "retention rules",
                "ordering": ["category", "region__path"],
                "constraints": [
                    models.UniqueConstraint(fields=("category", "region"), name="retention_rule_one_per_category_and_region"),
                    models.UniqueConstraint(condition=models.Q(("region__isnull", True)), fields=("category",), name="retention_rule_one_default_per_category"),
                ],
            },
        ),
        migrations.CreateModel(
            name="RetentionRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("ran_at", models.DateTimeField(auto_now_add=True, verbose_name="ran at")),
                ("cutoff", models.DateField(verbose_name="due on or before")),
                ("dry_run", models.BooleanField(default=False, verbose_name="dry run")),
                ("counts", models.JSONField(default=dict, verbose_name="rows per model")),
                ("by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="started by")),
                ("rule", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="runs", to="privacy.retentionrule", verbose_name="rule")),
            ],
            options={
                "verbose_name": "retention run",
                "verbose_name_plural": "retention runs",
                "ordering": ["-ran_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="AnonymisedHousehold",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("household", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="registry.household", verbose_name="household")),
                ("run", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="households", to="privacy.retentionrun", verbose_name="run")),
            ],
            options={
                "verbose_name": "anonymised household",
                "verbose_name_plural": "anonymised households",
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
