"""A customer's download of their data: asked for (`request_export`), prepared by a task
(`prepare_export`: a ZIP of JSON files, with a CSV beside each table), its link emailed
(`send_export_link`), and found again from that link (`export_for_token`).

The ZIP is kept in the default storage under a random name (`privacy-exports/<256 random
bits>.zip`) and is never linked to directly: the link in the email is signed, names the
export's row, and expires after PRIVACY_EXPORT_DAYS; the download view reads the file. A
new export replaces the customer's earlier ones, files and rows.
"""

import csv
import io
import json
import secrets
import zipfile
from datetime import timedelta
from functools import partial

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_otp import devices_for_user

from core import retries
from core.spreadsheets import BOM, neutralise
from shop.errors import ShopError
from shop.models import (
    Address,
    DataExport,
    Order,
    Review,
    SavedSeller,
    SellerReview,
    User,
    WishlistItem,
)
from shop.models.customers import is_pseudonym
from shop.services import erasure
from shop.signals import collect_personal_data

SALT = "shop.data-export"
FOLDER = "privacy-exports"
# One export being prepared at a time: asking again meanwhile gives the same one.
PREPARING_FOR = timedelta(hours=1)


class ExportLinkInvalid(ShopError):
    message = ("This download link is not valid: it may have been mistyped or cut short. "
               "Ask for a new download on your account's “Your data” page.")


class ExportLinkExpired(ShopError):
    message = ("This download link has expired, or a newer download replaced it. Ask for a "
               "new download on your account's “Your data” page.")


def link_days() -> int:
    return settings.PRIVACY_EXPORT_DAYS


@transaction.atomic
def request_export(*, user: User) -> DataExport:
    """Ask for an export of `user`'s data: prepared and emailed by a task after the commit.
    One asked for within the hour and not ready yet is returned instead of a second."""
    recent = DataExport.objects.filter(
        user=user, ready_at__isnull=True, requested_at__gt=timezone.now() - PREPARING_FOR
    ).first()
    if recent:
        return recent
    export = DataExport.objects.create(user=user)
    transaction.on_commit(partial(prepare_data_export.enqueue, export_id=export.pk))
    return export


# Kept beside the service that enqueues it, as shop.services.expiry keeps its task: shop.tasks
# stands above the services and a service may not import it back.
@task
def prepare_data_export(*, export_id: int, attempt: int = 1) -> bool:
    """Write the export's ZIP and email its link, each once however often this runs; a
    storage or mail server that fails for now gets it retried with backoff."""
    return retries.run_with_retries(
        prepare_data_export, _prepare_and_send, attempt=attempt, retry_on=(OSError,),
        export_id=export_id,
    )


def _prepare_and_send(*, export_id: int) -> bool:
    prepare_export(export_id=export_id)
    return send_export_link(export_id=export_id, site_url=settings.SITE_URL)


def prepare_export(*, export_id: int) -> bool:
    """Write the ZIP of the export, once: a second run finds it written and does nothing.
    Returns whether it was written now."""
    with transaction.atomic():
        export = (DataExport.objects.select_for_update().select_related("user")
                  .filter(pk=export_id).first())
        if export is None or export.file_name:
            return False
        name = default_storage.save(f"{FOLDER}/{secrets.token_urlsafe(32)}.zip",
                                    ContentFile(build_zip(export.user)))
        now = timezone.now()
        export.file_name, export.ready_at = name, now
        export.expires_at = now + timedelta(days=link_days())
        export.save(update_fields=["file_name", "ready_at", "expires_at"])
        _forget_earlier(export)
    return True


def _forget_earlier(export: DataExport) -> None:
    earlier = DataExport.objects.filter(user=export.user_id, pk__lt=export.pk)
    for name in earlier.exclude(file_name="").values_list("file_name", flat=True):
        transaction.on_commit(partial(default_storage.delete, name))
    earlier.delete()


@transaction.atomic
def send_export_link(*, export_id: int, site_url: str) -> bool:
    """Email the ready export's link to its customer, once. Returns whether it went now."""
    export = (DataExport.objects.select_for_update().select_related("user")
              .filter(pk=export_id).first())
    if export is None or not export.file_name or export.emailed_at is not None:
        return False
    user = export.user
    if not user.is_active or is_pseudonym(user.email):
        return False
    context = {
        "link": site_url + reverse("shop:data-download", args=[export_token(export)]),
        "expires_at": export.expires_at, "days": link_days(),
        "store_name": settings.STORE_NAME, "shop_url": site_url,
    }
    message = EmailMultiAlternatives(
        f"[{settings.STORE_NAME}] Your data is ready to download",
        render_to_string("emails/data_export.txt", context),
        to=[user.email],
    )
    message.attach_alternative(render_to_string("emails/data_export.html", context), "text/html")
    message.send()
    export.emailed_at = timezone.now()
    export.save(update_fields=["emailed_at"])
    return True


def export_token(export: DataExport) -> str:
    return signing.dumps({"export": export.pk}, salt=SALT, compress=True)


def export_for_token(token: str) -> DataExport:
    """The ready export a link names. Raises ExportLinkInvalid (tampered, made up) or
    ExportLinkExpired (too old, replaced by a newer one, or the account closed)."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=timedelta(days=link_days()))
    except signing.SignatureExpired:
        raise ExportLinkExpired from None
    except (signing.BadSignature, ValueError):
        raise ExportLinkInvalid from None
    export_id = payload.get("export") if isinstance(payload, dict) else None
    if not isinstance(export_id, int):
        raise ExportLinkInvalid
    export = DataExport.objects.filter(pk=export_id).exclude(file_name="").first()
    if export is None or export.expires_at <= timezone.now():
        raise ExportLinkExpired
    if not default_storage.exists(export.file_name):
        raise ExportLinkExpired
    return export


def build_zip(user: User) -> bytes:
    """The export itself: a README, then a JSON file per kind of data and a CSV beside each
    table."""
    return zip_of(collect(user), readme="shop/data_export_readme.txt")


def zip_of(sections: dict[str, dict | list[dict]], *, readme: str) -> bytes:
    """A ZIP of `sections`: the `readme` template as README.txt, then a JSON file per
    section and a CSV beside each table."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", render_to_string(
            readme,
            {"store_name": settings.STORE_NAME, "names": sorted(sections),
             "made_at": timezone.now()},
        ))
        for name, rows in sections.items():
            archive.writestr(f"{name}.json", json.dumps(rows, cls=DjangoJSONEncoder, indent=2,
                                                        ensure_ascii=False))
            if isinstance(rows, list):
                archive.writestr(f"{name}.csv", to_csv(rows))
    return buffer.getvalue()


def collect(user: User) -> dict[str, dict | list[dict]]:
    """Every kind of data the shop holds about `user`, by file name."""
    orders = list(erasure.customer_orders(user).prefetch_related(
        "lines", "events", "discounts", "shipments__seller"))
    order_ids = [order.pk for order in orders]
    sections: dict[str, dict | list[dict]] = {
        "profile": _profile(user),
        "addresses": list(Address.objects.filter(user=user).values(
            *Address.ADDRESS_FIELDS, "is_default", "created_at")),
        **order_sections(orders),
        "reviews": list(Review.objects.filter(user=user).values(
            "product__name", "rating", "title", "body", "is_verified", "created_at",
            "updated_at")),
        "shop_reviews": list(SellerReview.objects.filter(user=user).values(
            "seller__name", "rating", "body", "created_at", "updated_at")),
        "wishlist": list(WishlistItem.objects.filter(user=user).values(
            "product__name", "product__slug", "added_at")),
        "saved_shops": list(SavedSeller.objects.filter(user=user).values(
            "seller__name", "seller__slug", "created_at")),
        "audit_log": _audit(user, order_ids),
    }
    for _receiver, answer in collect_personal_data.send(User, user=user, order_ids=order_ids):
        sections.update(answer or {})
    return sections


def order_sections(orders: list[Order]) -> dict[str, list[dict]]:
    """The orders (fetched with their lines, events, discounts and shipments' shops) and
    their lines, as the export's "orders" and "order_lines" files."""
    return {
        "orders": [_order(order) for order in orders],
        "order_lines": [
            {"order": order.number, **_line(line)} for order in orders for line in order.lines.all()
        ],
    }


def _profile(user: User) -> dict:
    return {
        "email": user.email, "first_name": user.first_name, "last_name": user.last_name,
        "date_joined": user.date_joined, "last_login": user.last_login,
        "email_addresses": list(EmailAddress.objects.filter(user=user).values(
            "email", "verified", "primary")),
        "two_factor": [{"name": device.name, "kind": type(device).__name__}
                       for device in devices_for_user(user)],
    }


def _order(order: Order) -> dict:
    return {
        "number": order.number, "status": order.get_status_display(), "email": order.email,
        "placed_at": order.created_at, "paid_at": order.paid_at,
        "shipped_at": order.shipped_at, "delivered_at": order.delivered_at,
        "currency": order.currency, "subtotal": order.subtotal,
        "discount": order.discount_total, "shipping": order.shipping_total,
        "tax": order.tax_total, "total": order.total, "refunded": order.refunded_total,
        "shipping_method": order.shipping_method_name,
        "shipping_address": order.address_values(),
        "tracking_number": order.tracking_number,
        "discounts": [{"name": name, "amount": amount} for name, amount in order.discount_rows],
        "lines": [_line(line) for line in order.lines.all()],
        "parcels": [{"shop": shipment.seller.name, "status": shipment.get_status_display(),
                     "tracking_number": shipment.tracking_number,
                     "shipped_at": shipment.shipped_at} for shipment in order.shipments.all()],
        "timeline": [{"at": event.created_at, "what": event.get_kind_display(),
                      "note": event.note} for event in order.events.all()
                     if not event.is_internal],
    }


def _line(line) -> dict:
    return {"product": line.product_name, "options": line.options, "sku": line.sku,
            "unit_price": line.unit_price, "quantity": line.quantity,
            "line_total": line.line_total, "discount": line.discount,
            "refunded": line.refunded}


def _audit(user: User, order_ids: list[int]) -> list[dict]:
    """The audit entries about the person. Who acted is "you" or "the shop": staff's own
    names and addresses are theirs, not the customer's."""
    emails = {user.email.lower(), *erasure.verified_emails(user)}
    rows = []
    for entry in erasure.concerning(user, order_ids, emails).order_by("created_at", "pk"):
        yours = entry.actor_id == user.pk
        rows.append({
            "at": entry.created_at, "who": "you" if yours else "the shop",
            "action": entry.action, "object": entry.object_label,
            "client_address": entry.ip if yours else "",
            "details": entry.details if yours else {},
        })
    return rows


def to_csv(rows: list[dict]) -> str:
    """Rows as CSV (UTF-8 with a BOM, formulas neutralised): a dict's fields as columns of
    their own ("shipping_address.city"), a list as JSON text in its cell."""
    rows = [_flat(row) for row in rows]
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return out.getvalue()


def _flat(row: dict) -> dict:
    flat = {}
    for key, value in row.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{inner}": item for inner, item in value.items()})
        else:
            flat[key] = value
    return flat


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        value = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    elif not isinstance(value, str):
        value = json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    return neutralise(str(value))
