from django.urls import path

from casebook import crf_views
from casebook import patient_views as views
from casebook.url_converters import SUBJECT_ID

app_name = "patients"
urlpatterns = [
    path("", views.patient_index, name="list"),
    path("new/", crf_views.patient_enrol, name="enrol"),
    path(f"{SUBJECT_ID}/", views.patient_casebook, name="casebook"),
    path(f"{SUBJECT_ID}/<slug:slug>/new/", crf_views.crf_create, name="crf-create"),
    path(f"{SUBJECT_ID}/adverse-event/<int:adverse_event_pk>/<slug:slug>/new/",
         crf_views.crf_create, name="crf-create-detail"),
    path(f"{SUBJECT_ID}/<slug:slug>/<int:pk>/", crf_views.crf_detail, name="crf-detail"),
    path(f"{SUBJECT_ID}/<slug:slug>/<int:pk>/edit/", crf_views.crf_edit, name="crf-edit"),
    path(f"{SUBJECT_ID}/<slug:slug>/<int:pk>/history/", crf_views.crf_history,
         name="crf-history"),
    path(f"{SUBJECT_ID}/<slug:slug>/<int:pk>/void/", crf_views.crf_void, name="crf-void"),
]
