from django.urls import path

from security.twofactor import views

app_name = "twofactor"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("setup/", views.setup, name="setup"),
    path("verify/", views.verify, name="verify"),
    path("backup-codes/", views.backup_codes, name="backup-codes"),
    path("backup-codes/new/", views.backup_codes_regenerate, name="backup-codes-regenerate"),
    path("backup-codes/download/", views.backup_codes_download, name="backup-codes-download"),
    path("disable/", views.disable, name="disable"),
]
