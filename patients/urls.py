from django.urls import path

from . import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_index, name="list"),
    path("<str:subject_id>/", views.patient_casebook, name="casebook"),
]
