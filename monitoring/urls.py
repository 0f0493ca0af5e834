from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.query_list, name="queries"),
    path("raise/<str:subject_id>/<slug:slug>/<int:pk>/", views.query_raise, name="raise"),
    path("<int:pk>/answer/", views.query_answer, name="answer"),
    path("<int:pk>/close/", views.query_close, name="close"),
    path("<int:pk>/reopen/", views.query_reopen, name="reopen"),
]
