"""Staff roles: each role, as the migration made its group from dashboard.roles, walked
through the real URLs of every action (dashboard pages and fragments, report downloads,
admin lists, pages and actions): what its permissions allow answers, what they do not is
refused (403, or an action not offered and nothing changed). Then each role's menu, and a
fragment that cannot reach what its page refuses."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from dashboard import roles
from payments.models import WebhookEvent
from security.models import AuditEntry
from shop.models import Order, OrderLine, Seller
from tests.accounts import make_account
from tests.factories import VariantFactory
from tests.second_factor import sign_in_clerk, sign_in_with_second_factor
from tests.shop.buying import pay, place

pytestmark = pytest.mark.django_db
HTMX_KPIS = {"HX-Request": "true", "HX-Target": "kpis"}
TODAY = date.today().isoformat()


@pytest.fixture
def shop():
    """A paid order, an unpaid one, a variant and a failed webhook event."""
    variant = VariantFactory(on_hand=20, price=Decimal("30.00"), sku="ROLE-1")
    paid = pay(place((variant, 1)))
    paid.emails.update(sent_at=timezone.now())  # its confirmation has gone out
    unpaid = place((variant, 1), email="bo@example.com")
    event = WebhookEvent.objects.create(provider="stripe", event_id="evt_role", type="x",
                                        status=WebhookEvent.Status.FAILED, payload={})
    return {"paid": paid, "unpaid": unpaid, "variant": variant, "event": event}


def as_role(client, *names: str):
    person = make_account(f"{'-'.join(names).lower()}@example.com", is_staff=True)
    person.groups.set(Group.objects.filter(name__in=names))
    sign_in_with_second_factor(client, person)
    return person


def every_permission() -> set[str]:
    return {f"{app}.{codename}" for app, codename in
            Permission.objects.values_list("content_type__app_label", "codename")}


# --- the actions: what each needs, and how it is tried --------------------------------------

def status_of(client, url: str, **headers) -> bool:
    status = client.get(url, headers=headers).status_code
    assert status in (200, 403), (url, status)
    return status == 200


def admin_action(client, changelist: str, action: str, pk: int, **fields) -> None:
    client.post(changelist, {"action": action, "_selected_action": [pk], **fields})


def ships(client, shop) -> bool:
    order = shop["paid"]
    admin_action(client, reverse("admin:shop_order_changelist"), "mark_shipped", order.pk,
                 tracking_number="1Z999")
    order.refresh_from_db()
    return order.status == Order.Status.SHIPPED


def cancels(client, shop) -> bool:
    order = shop["unpaid"]
    admin_action(client, reverse("admin:shop_order_changelist"), "cancel", order.pk)
    order.refresh_from_db()
    return order.status == Order.Status.CANCELLED


def resends(client, shop) -> bool:
    order = shop["paid"]
    before = order.emails.count()
    admin_action(client, reverse("admin:shop_order_changelist"), "resend_email", order.pk)
    return order.emails.count() == before + 1


def hidden_inputs(html: str) -> dict[str, str]:
    """The hidden fields of a page's form (the inlines' management forms)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
        if 'type="hidden"' in tag and name:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


def adds_a_note(client, shop) -> bool:
    order = shop["paid"]
    url = reverse("admin:shop_order_change", args=[order.pk])
    shown = client.get(url)
    data = hidden_inputs(shown.text) if shown.status_code == 200 else {}
    response = client.post(url, {**data, "note": "Called the customer."})
    assert response.status_code in (302, 403), response.status_code
    return order.events.filter(note="Called the customer.").exists()


def variant_form(variant, **changes) -> dict:
    return {"product": variant.product_id, "sku": variant.sku, "size": variant.size,
            "color": variant.color, "price": variant.price, "compare_at_price": "",
            "on_hand": variant.on_hand, "position": variant.position,
            "low_stock_threshold": variant.low_stock_threshold, **changes}


def changes_price(client, shop) -> bool:
    variant = shop["variant"]
    data = variant_form(variant, price="31.00")
    data |= {f"initial-{name}": value for name, value in variant_form(variant).items()}
    client.post(reverse("admin:shop_variant_change", args=[variant.pk]), data)
    variant.refresh_from_db()
    return variant.price == Decimal("31.00")


def changes_stock(client, shop) -> bool:
    variant = shop["variant"]
    data = variant_form(variant, on_hand=25)
    data |= {f"initial-{name}": value for name, value in variant_form(variant).items()}
    client.post(reverse("admin:shop_variant_change", args=[variant.pk]), data)
    variant.refresh_from_db()
    return variant.on_hand == 25


def replay_offered(client, shop) -> bool:
    page = client.get(reverse("admin:payments_webhookevent_changelist"))
    if page.status_code == 403:
        return False
    return 'value="replay"' in page.text


def approves_a_shop(client, shop) -> bool:
    seller = Seller.objects.create(name="Hill", slug="hill", contact_email="hill@example.com")
    client.post(reverse("dashboard:seller-decide", args=[seller.pk]),
                {"action": "approve", "commission_rate": "10"})
    seller.refresh_from_db()
    return seller.status == Seller.Status.APPROVED


def records_a_payout(client, shop) -> bool:
    seller = Seller.objects.create(name="Dale", slug="dale", contact_email="dale@example.com",
                                   status=Seller.Status.APPROVED)
    line = shop["paid"].lines.first()
    OrderLine.objects.filter(pk=line.pk).update(seller=seller)
    paid_on = timezone.localdate(shop["paid"].paid_at)  # not TODAY: it may be past midnight
    client.post(reverse("dashboard:seller-payout", args=[seller.pk]),
                {"start": paid_on - timedelta(days=1), "end": paid_on, "reference": "TR-1"})
    return seller.payouts.exists()


@dataclass(frozen=True)
class Action:
    name: str
    needs: str
    tried: Callable


def page(url: Callable[[dict], str], **headers) -> Callable:
    return lambda client, shop: status_of(client, url(shop), **headers)


ACTIONS = [
    Action("the dashboard's figures (fragment)", "dashboard.view_figures",
           page(lambda s: reverse("dashboard:home") + "?period=7d", **HTMX_KPIS)),
    Action("a chart's SVG file", "dashboard.view_figures",
           page(lambda s: reverse("dashboard:chart", args=["sales"]))),
    Action("the products' funnel", "dashboard.view_figures",
           page(lambda s: reverse("dashboard:products"))),
    Action("a report download", "dashboard.export_reports",
           page(lambda s: reverse("dashboard:report", args=["sales", "csv"])
                + f"?start={TODAY}&end={TODAY}")),
    Action("the staff activity log", "security.view_auditentry",
           page(lambda s: reverse("dashboard:activity"))),
    Action("the order list", "shop.view_order",
           page(lambda s: reverse("admin:shop_order_changelist"))),
    Action("an order's page", "shop.view_order",
           page(lambda s: reverse("admin:shop_order_change", args=[s["paid"].pk]))),
    Action("an order's note", "shop.change_order", adds_a_note),
    Action("marking an order shipped", "shop.fulfil_order", ships),
    Action("cancelling an unpaid order", "shop.cancel_order", cancels),
    Action("sending an order's last email again", "shop.resend_order_email", resends),
    Action("the refund page", "shop.refund_order",
           page(lambda s: reverse("admin:shop_order_refund", args=[s["paid"].pk]))),
    Action("the customers", "shop.view_user",
           page(lambda s: reverse("admin:shop_user_changelist"))),
    Action("adding a staff member or customer", "shop.add_user",
           page(lambda s: reverse("admin:shop_user_add"))),
    Action("adding a role", "auth.add_group", page(lambda s: reverse("admin:auth_group_add"))),
    Action("the staff and their roles", "dashboard.manage_staff",
           page(lambda s: reverse("dashboard:staff"))),
    Action("the product list", "shop.view_product",
           page(lambda s: reverse("admin:shop_product_changelist"))),
    Action("adding a product", "shop.add_product",
           page(lambda s: reverse("admin:shop_product_add"))),
    Action("a price", "shop.change_variant", changes_price),
    Action("a stock level", "shop.change_stock", changes_stock),
    Action("the promotions", "shop.view_promotion",
           page(lambda s: reverse("admin:shop_promotion_changelist"))),
    Action("adding a promotion", "shop.add_promotion",
           page(lambda s: reverse("admin:shop_promotion_add"))),
    Action("the transaction history", "payments.view_payment",
           page(lambda s: reverse("admin:payments_payment_changelist"))),
    Action("the webhook inbox", "payments.view_webhookevent",
           page(lambda s: reverse("admin:payments_webhookevent_changelist"))),
    Action("replaying a webhook", "payments.replay_webhookevent", replay_offered),
    Action("the sellers and sales by shop", "shop.view_seller",
           page(lambda s: reverse("dashboard:sellers"))),
    Action("approving a shop", "shop.review_seller", approves_a_shop),
    Action("recording a payout", "shop.record_payout", records_a_payout),
]


def test_each_role_is_its_group_as_the_table_says():
    every = every_permission()
    for role in roles.ROLES:
        group = Group.objects.get(name=role)
        held = {f"{app}.{codename}" for app, codename in group.permissions.values_list(
            "content_type__app_label", "codename")}
        assert held == roles.permissions_of(role, every), role
    assert every >= {action.needs for action in ACTIONS}


@pytest.mark.parametrize("action", ACTIONS, ids=[a.name for a in ACTIONS])
@pytest.mark.parametrize("role", list(roles.ROLES))
def test_a_role_does_exactly_what_its_permissions_allow(client, shop, role, action):
    as_role(client, role)
    allowed = action.needs in roles.permissions_of(role, every_permission())
    assert action.tried(client, shop) == allowed


def test_a_refused_money_or_data_action_is_audited(client, shop):
    person = as_role(client, roles.SUPPORT)
    client.get(reverse("dashboard:report", args=["sales", "csv"]))
    client.get(reverse("admin:shop_order_refund", args=[shop["paid"].pk]))
    refused = AuditEntry.objects.filter(actor=person, action="permission.refused")
    assert sorted(entry.details["permission"] for entry in refused) == [
        "dashboard.export_reports", "shop.refund_order",
    ]


def test_a_refusal_says_whom_to_ask_in_the_shops_look(client, shop):
    as_role(client, roles.FULFILMENT)
    response = client.get(reverse("dashboard:report", args=["sales", "csv"]))
    assert response.status_code == 403
    assert "You can’t open this page" in response.text
    assert "ask an owner of the shop to give you the Finance role" in response.text


def test_a_fragment_cannot_reach_what_its_page_leaves_out(client, shop):
    as_role(client, roles.FULFILMENT)
    page = client.get(reverse("dashboard:home"))
    assert page.status_code == 200
    assert 'id="kpis"' not in page.text and "Key figures" not in page.text
    for target in ("kpis", "dashboard-period", "time-charts", "top-products"):
        response = client.get(reverse("dashboard:home"),
                              headers={"HX-Request": "true", "HX-Target": target})
        assert response.status_code == 403, target


# --- menus ------------------------------------------------------------------------------------

MENU = {
    "Orders": "shop.view_order", "Products": "shop.view_product",
    "Product funnel": "dashboard.view_figures",
    "Promotions": "shop.view_promotion", "Transactions": "payments.view_payment",
    "Webhook inbox": "payments.view_webhookevent",
    "Staff activity log": "security.view_auditentry", "Sellers": "shop.view_seller",
    "Staff": "dashboard.manage_staff",
}
PANELS = {
    "Key figures": "dashboard.view_figures", "To ship": "shop.fulfil_order",
    "Low stock": "shop.view_variant", "Orders held for review": "shop.view_order",
    "Recent orders": "shop.view_order",
}


@pytest.mark.parametrize("role", list(roles.ROLES))
def test_a_roles_dashboard_shows_exactly_its_links_and_panels(client, shop, role):
    as_role(client, role)
    page = client.get(reverse("dashboard:home")).text
    held = roles.permissions_of(role, every_permission())
    nav = page.split('class="dashboard-links"')[1].split("</ul>")[0]
    links = re.findall(r">([^<]+)</a>", nav)
    assert links == [*(name for name, needs in MENU.items() if needs in held),
                     "Everything in the admin"]
    headings = set(re.findall(r"<h2 id=\"[\w-]+\">([^<]+)</h2>", page))
    assert {name for name in PANELS if name in headings} == {
        name for name, needs in PANELS.items() if needs in held}


def test_fulfilment_lands_on_what_to_ship_and_low_stock(client, shop):
    as_role(client, roles.FULFILMENT)
    page = client.get(reverse("dashboard:home")).text
    assert page.index("To ship") < page.index("Low stock")
    assert shop["paid"].number in page.split("To ship")[1].split("</section>")[0]


def test_several_roles_add_up(client, shop):
    as_role(client, roles.SUPPORT, roles.FULFILMENT)
    assert cancels(client, shop) and ships(client, shop)
    assert not status_of(client, reverse("admin:shop_order_refund", args=[shop["paid"].pk]))


def test_only_owners_hold_what_acts_on_other_peoples_accounts():
    every = every_permission()
    manager = roles.permissions_of(roles.MANAGER, every)
    for name in ("dashboard.manage_staff", "shop.change_user", "auth.change_group",
                 "account.change_emailaddress", "otp_totp.delete_totpdevice"):
        assert name in roles.permissions_of(roles.OWNER, every)
        assert name not in manager
    assert "shop.refund_order" not in roles.permissions_of(roles.SUPPORT, every)
    assert "shop.refund_order" in manager


def test_a_webhook_replay_refused_changes_nothing(client, shop):
    sign_in_clerk(client, "payments.view_webhookevent")
    event = shop["event"]
    client.post(reverse("admin:payments_webhookevent_changelist"),
                {"action": "replay", "_selected_action": [event.pk]})
    event.refresh_from_db()
    assert (event.status, event.attempts) == (WebhookEvent.Status.FAILED, 0)

