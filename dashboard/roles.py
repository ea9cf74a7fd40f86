"""The staff roles: which permissions each holds. The one table of role × permission; the
groups of the same names are made from it by a migration (dashboard 0003) and are the
owner's to edit afterwards in the admin. A person may hold several roles; what they may do
is the union. Every page, fragment, admin view and action checks a permission, never a
role's name, so an edited group means what it holds.

What each permission opens (the checks are where the pages are):
- dashboard.view_figures: the dashboard's figures and charts, their fragments and SVG files,
  and the Products page (views, adds to a cart and orders by product);
- dashboard.export_reports: the reports, CSV and XLSX;
- dashboard.manage_staff: the staff themselves (with the admin's users and groups);
- shop.view_order: orders on the dashboard and in the admin; shop.change_order: an order's
  review flag and notes; shop.fulfil_order: marking orders shipped and delivered;
  shop.cancel_order: cancelling unpaid orders; shop.refund_order: refunds;
  shop.resend_order_email: sending an order's last email again; shop.review_order: clearing
  the hold on an order held for review (its risk score, a payment that did not match), or
  cancelling it with a refund;
- shop.change_variant: prices (and a variant's other details); shop.change_stock: stock;
- payments.view_webhookevent and payments.replay_webhookevent: the webhook inbox, and its
  replay; payments.view_payment: the transaction history;
- security.view_auditentry: the staff activity log;
- shop.view_seller: the sellers' pages, sales by shop and payouts; shop.review_seller:
  approving, rejecting, suspending and reinstating shops, and their commission;
  shop.record_payout: recording a payout to a seller as paid.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

OWNER, MANAGER, SUPPORT = "Owner", "Manager", "Support"
FULFILMENT, CATALOGUE, MARKETING, FINANCE = "Fulfilment", "Catalogue", "Marketing", "Finance"

# Managing staff: people, their roles, their sign-in (email addresses, second factors) and
# the records the framework keeps of them, and closing a customer's account for good. The
# owner's alone: with any of these one could take over, or erase, another person's account.
STAFF_ADMIN = frozenset({"dashboard.manage_staff", "shop.erase_user"} | {
    f"{app}.{action}_{model}"
    for app, model in (
        ("shop", "user"), ("auth", "group"), ("auth", "permission"),
        ("account", "emailaddress"), ("account", "emailconfirmation"),
        ("otp_totp", "totpdevice"), ("security", "backupcode"),
        ("security", "backupcodedevice"), ("sessions", "session"),
        ("contenttypes", "contenttype"), ("admin", "logentry"),
    )
    for action in ("add", "change", "delete")
})
CATALOGUE_READ = frozenset({
    "shop.view_category", "shop.view_product", "shop.view_variant", "shop.view_productimage",
})
EVERYTHING = "*"  # every permission the project declares

ROLES: dict[str, frozenset[str] | str] = {
    OWNER: EVERYTHING,
    MANAGER: EVERYTHING,  # less STAFF_ADMIN
    SUPPORT: frozenset({
        "shop.view_order", "shop.change_order", "shop.cancel_order",
        "shop.resend_order_email", "shop.view_user", "shop.view_address",
    }),
    FULFILMENT: frozenset({
        "shop.view_order", "shop.fulfil_order",
        "shop.view_product", "shop.view_variant", "shop.change_stock",
    }),
    CATALOGUE: CATALOGUE_READ | frozenset({
        "shop.add_category", "shop.change_category", "shop.delete_category",
        "shop.add_product", "shop.change_product", "shop.delete_product",
        "shop.add_variant", "shop.change_variant", "shop.delete_variant",
        "shop.add_productimage", "shop.change_productimage", "shop.delete_productimage",
        "shop.view_review", "shop.change_review", "shop.delete_review",
    }),
    MARKETING: CATALOGUE_READ | frozenset({
        "shop.add_promotion", "shop.change_promotion", "shop.delete_promotion",
        "shop.view_promotion",
        "shop.add_discountcode", "shop.change_discountcode", "shop.delete_discountcode",
        "shop.view_discountcode",
    }),
    FINANCE: frozenset({
        "dashboard.view_figures", "dashboard.export_reports",
        "shop.view_order", "shop.refund_order", "shop.review_order", "payments.view_payment",
        "payments.view_webhookevent", "payments.replay_webhookevent",
        "shop.view_seller", "shop.view_payout", "shop.record_payout",
    }),
}


def permissions_of(role: str, every: set[str]) -> set[str]:
    """The permissions `role` holds, out of `every` permission there is."""
    held = ROLES[role]
    if held != EVERYTHING:
        return set(held)
    return every - STAFF_ADMIN if role == MANAGER else set(every)


def permission_ids(apps) -> dict[str, int]:
    """For a migration: every permission there is by "app_label.codename", made first for
    every installed app's models as they are now (Django makes them only after every
    migration has run)."""
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, apps=global_apps, verbosity=0)
    Permission = apps.get_model("auth", "Permission")
    return {
        f"{app_label}.{codename}": pk for pk, app_label, codename in
        Permission.objects.values_list("pk", "content_type__app_label", "codename")
    }


def grant_to_roles(apps, names: set[str]) -> None:
    """For a migration: give the roles' groups these new permissions where the table says
    they hold them, leaving the rest of each group as the owner left it."""
    every = permission_ids(apps)
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=ROLES):
        held = permissions_of(group.name, set(every)) & names
        group.permissions.add(*(every[name] for name in held))

