from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0006_project_lifecycle"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="procurement_method",
            field=models.CharField(
                blank=True,
                choices=[
                    ("public_tender", "public tender (公开招标)"),
                    ("invited_tender", "invited tender (邀请招标)"),
                    ("competitive_negotiation", "competitive negotiation (竞争性谈判)"),
                    ("competitive_consultation", "competitive consultation (竞争性磋商)"),
                    ("single_source", "single-source procurement (单一来源采购)"),
                    ("request_for_quotations", "request for quotations (询价)"),
                    ("framework_agreement", "framework agreement (框架协议采购)"),
                ],
                max_length=32,
                verbose_name="procurement method (采购方式)",
            ),
        ),
        migrations.AddField(
            model_name="project",
            name="contract_number",
            field=models.CharField(
                blank=True, max_length=60, verbose_name="contract number (合同编号)"
            ),
        ),
        migrations.AddField(
            model_name="project",
            name="complaint_channel",
            field=models.CharField(
                blank=True,
                help_text="Whom the public contacts to complain, and how: office, phone, address.",
                max_length=300,
                verbose_name="complaints channel (投诉渠道)",
            ),
        ),
    ]
