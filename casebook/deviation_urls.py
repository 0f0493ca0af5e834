from django.urls import path

from casebook import deviation_views as views

app_name = "deviations"
urlpatterns = [
    path("", views.deviation_list, name="list"),
    path("<int:deviation_pk>/assess/", views.deviation_assess_page, name="assess"),
]
