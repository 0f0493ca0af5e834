from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.query_list, name="queries"),
    path("raise/<str:subject_id>/<slug:slug>/<int:pk>/", views.query_raise, name="raise"),
    path("verify/<str:subject_id>/<slug:slug>/<int:pk>/", views.form_verify, name="verify"),
    path("lock/<str:subject_id>/<slug:slug>/<int:pk>/", views.form_lock, name="lock"),
    path("unlock/<str:subject_id>/<slug:slug>/<int:pk>/", views.form_unlock, name="unlock"),
    path("casebook/<str:subject_id>/lock/", views.casebook_lock, name="casebook-lock"),
    path("casebook/<str:subject_id>/unlock/", views.casebook_unlock, name="casebook-unlock"),
    path("<int:pk>/answer/", views.query_answer, name="answer"),
    path("<int:pk>/close/", views.query_close, name="close"),
    path("<int:pk>/reopen/", views.query_reopen, name="reopen"),
]
