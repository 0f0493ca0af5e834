from django.urls import path

from casebook import product_views as views

app_name = "product"
urlpatterns = [
    path("", views.product_index, name="index"),
    path("<slug:kind>/new/", views.product_edit, name="add"),
    path("<slug:kind>/<int:record_pk>/edit/", views.product_edit, name="edit"),
    path("<slug:kind>/<int:record_pk>/history/", views.product_history, name="history"),
]
