from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """django.contrib.admin, with StaffAdminSite as `admin.site`: every ModelAdmin
    registered the usual way lands on the guarded site."""

    default_site = "security.twofactor.sites.StaffAdminSite"
