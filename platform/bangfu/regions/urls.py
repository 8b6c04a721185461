from django.urls import path

from bangfu.regions import views

app_name = "regions"

urlpatterns = [
    path("", views.policy_home, name="policy"),
    path("<str:code>/<int:year>/", views.policy_region, name="policy-region"),
    path("<str:code>/<int:year>/<str:key>/", views.policy_parameter, name="policy-parameter"),
    path("<str:code>/<int:year>/<str:key>/revert/", views.policy_revert, name="policy-revert"),
]
