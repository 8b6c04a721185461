"""The public site's page tree: the home page (in place of Wagtail's welcome page), its four
sections and the default site. Historical models only, so the tree paths are written out:
root 0001, home 00010001, sections 000100010001 …"""

from django.conf import settings
from django.db import migrations

HOME = ("帮扶 · 社会救助服务平台", "困难群众一键求助，政府购买服务项目和慈善帮扶信息公开。")
SECTIONS = (
    ("newsindexpage", "news", "新闻动态", "社会救助工作动态。"),
    ("policyindexpage", "policies", "政策解读", "社会救助政策，用通俗的话讲清楚。"),
    (
        "projectindexpage",
        "projects",
        "购买服务项目公示",
        "政府购买社会救助服务项目：承接机构、金额、服务期限、目标和进展，长期公示，群众可查。",
    ),
    (
        "offerindexpage",
        "offers",
        "慈善帮扶",
        "慈善组织和爱心企业提供的资金、物资和服务，经民政部门审核后发布。",
    ),
)


def create_site(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Locale = apps.get_model("wagtailcore", "Locale")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    root = Page.objects.filter(depth=1).order_by("path").first()
    if root is None or apps.get_model("cms", "HomePage").objects.exists():
        return
    # Wagtail's own migration leaves a plain "Welcome" page at 00010001; it goes (with its site).
    Page.objects.filter(depth=2, slug="home", content_type__app_label="wagtailcore").delete()
    if Page.objects.filter(depth=2).exists():
        return  # someone built a tree already: leave it alone
    locale = Locale.objects.filter(pk=root.locale_id).first() or Locale.objects.get_or_create(
        language_code=settings.LANGUAGE_CODE
    )[0]

    def make(model_name, *, path, depth, url_path, title, slug, intro, numchild=0, menu=False):
        content_type, _ = ContentType.objects.get_or_create(app_label="cms", model=model_name)
        return apps.get_model("cms", model_name).objects.create(
            title=title,
            draft_title=title,
            slug=slug,
            intro=intro,
            content_type=content_type,
            path=path,
            depth=depth,
            numchild=numchild,
            url_path=url_path,
            locale=locale,
            show_in_menus=menu,
            live=True,
            has_unpublished_changes=False,
        )

    home = make(
        "homepage",
        path=f"{root.path}0001",
        depth=2,
        url_path="/home/",
        title=HOME[0],
        slug="home",
        intro=HOME[1],
        numchild=len(SECTIONS),
    )
    for number, (model_name, slug, title, intro) in enumerate(SECTIONS, start=1):
        make(
            model_name,
            path=f"{home.path}{number:04d}",
            depth=3,
            url_path=f"/home/{slug}/",
            title=title,
            slug=slug,
            intro=intro,
            menu=True,
        )
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])
    Site.objects.filter(is_default_site=True).delete()
    Site.objects.create(
        hostname="localhost", port=80, site_name=HOME[0], root_page=home, is_default_site=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_site, migrations.RunPython.noop)]
