from django.urls import path

from . import views

app_name = "signoff"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("<str:subject_id>/", views.signoff_page, name="page"),
    path("<str:subject_id>/sign/", views.sign, name="sign"),
    path("<str:subject_id>/revoke/", views.revoke, name="revoke"),
]
