from django.urls import path

from . import crf_views, views

app_name = "patients"
urlpatterns = [
    path("", views.patient_index, name="list"),
    path("new/", crf_views.patient_enrol, name="enrol"),
    path("<str:subject_id>/", views.patient_casebook, name="casebook"),
    path("<str:subject_id>/<slug:slug>/new/", crf_views.crf_create, name="crf-create"),
    path("<str:subject_id>/adverse-event/<int:adverse_event_pk>/<slug:slug>/new/",
         crf_views.crf_create, name="crf-create-detail"),
    path("<str:subject_id>/<slug:slug>/<int:pk>/", crf_views.crf_detail, name="crf-detail"),
    path("<str:subject_id>/<slug:slug>/<int:pk>/edit/", crf_views.crf_edit, name="crf-edit"),
    path("<str:subject_id>/<slug:slug>/<int:pk>/history/", crf_views.crf_history,
         name="crf-history"),
    path("<str:subject_id>/<slug:slug>/<int:pk>/void/", crf_views.crf_void, name="crf-void"),
]
