from django.urls import path

from casebook import dlt_views as views

app_name = "safety"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:adverse_event_pk>/", views.review, name="review"),
    path("<int:adverse_event_pk>/raise/", views.raise_candidate, name="raise"),
]
