from django.urls import path

from casebook import signoff_views as views
from casebook.url_converters import SUBJECT_ID

app_name = "signoff"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path(f"{SUBJECT_ID}/", views.signoff_page, name="page"),
    path(f"{SUBJECT_ID}/sign/", views.sign, name="sign"),
    path(f"{SUBJECT_ID}/revoke/", views.revoke, name="revoke"),
]
