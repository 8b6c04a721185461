from django.urls import path

from bangfu.api.registry import views

urlpatterns = [
    path("households/", views.HouseholdList.as_view(), name="registry-households"),
    path("households/search/", views.HouseholdSearch.as_view(), name="registry-household-search"),
    path("households/<int:pk>/", views.HouseholdDetail.as_view(), name="registry-household"),
    path(
        "households/<int:pk>/needs/",
        views.HouseholdNeeds.as_view(),
        name="registry-household-needs",
    ),
    path("needs/<int:pk>/", views.NeedDetail.as_view(), name="registry-need"),
    path("members/<int:pk>/reveal/", views.MemberReveal.as_view(), name="registry-member-reveal"),
    path("status-decisions/", views.StatusDecisions.as_view(), name="registry-status-decisions"),
]
