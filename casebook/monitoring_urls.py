from django.urls import path

from casebook import monitoring_views as views
from casebook.url_converters import SUBJECT_ID

app_name = "monitoring"
urlpatterns = [
    path("", views.query_list, name="queries"),
    path(f"raise/{SUBJECT_ID}/<slug:slug>/<int:pk>/", views.query_raise, name="raise"),
    path(f"verify/{SUBJECT_ID}/<slug:slug>/<int:pk>/", views.form_verify, name="verify"),
    path(f"lock/{SUBJECT_ID}/<slug:slug>/<int:pk>/", views.form_lock, name="lock"),
    path(f"unlock/{SUBJECT_ID}/<slug:slug>/<int:pk>/", views.form_unlock, name="unlock"),
    path(f"casebook/{SUBJECT_ID}/lock/", views.casebook_lock, name="casebook-lock"),
    path(f"casebook/{SUBJECT_ID}/unlock/", views.casebook_unlock, name="casebook-unlock"),
    path("<int:pk>/answer/", views.query_answer, name="answer"),
    path("<int:pk>/close/", views.query_close, name="close"),
    path("<int:pk>/reopen/", views.query_reopen, name="reopen"),
]
