"""The HSDS 3.0 paths, without trailing slashes as HSDS writes them."""

from django.urls import path

from bangfu.api.hsds import views

app_name = "hsds"

urlpatterns = [
    path("", views.RootView.as_view(), name="root"),
    path("services", views.ServiceListView.as_view(), name="services"),
    path("services/<uuid:id>", views.ServiceView.as_view(), name="service"),
    path(
        "service_at_locations",
        views.ServiceAtLocationListView.as_view(),
        name="service_at_locations",
    ),
    path(
        "service_at_locations/<uuid:id>",
        views.ServiceAtLocationView.as_view(),
        name="service_at_location",
    ),
    path("organizations", views.OrganizationListView.as_view(), name="organizations"),
    path("organizations/<uuid:id>", views.OrganizationView.as_view(), name="organization"),
    path("taxonomies", views.TaxonomyListView.as_view(), name="taxonomies"),
    path("taxonomies/<uuid:id>", views.TaxonomyView.as_view(), name="taxonomy"),
    path("taxonomy_terms", views.TaxonomyTermListView.as_view(), name="taxonomy_terms"),
    path("taxonomy_terms/<uuid:id>", views.TaxonomyTermView.as_view(), name="taxonomy_term"),
    path("datapackage.zip", views.DataPackageView.as_view(), name="datapackage"),
]
