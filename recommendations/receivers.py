"""A product saved (in the admin, the seller portal or a service) is rescored once its change
commits: what it is like may have changed, and a product no longer listed leaves the rows.
A save of named fields none of which a product's likeness reads is not. Changes to its
variants (colours, sizes, prices) wait for the hourly rebuild. Signing out forgets the
visitor's recently viewed products (recommendations.recent)."""

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest

from recommendations import recent, tasks
from shop.models import Product
from worker.enqueue import enqueue_with_transaction

# What a product's likeness is worked out from (recommendations.history.documents).
READ_FIELDS = {"name", "description", "category", "is_active", "seller_listed"}


@receiver(post_save, sender=Product, dispatch_uid="recommendations.rescore_product")
def rescore_saved_product(sender: type[Product], instance: Product, raw: bool = False,
                          update_fields: frozenset[str] | None = None,
                          **kwargs: object) -> None:
    if raw:  # loading fixtures saves nothing new
        return
    if update_fields is not None and not update_fields & READ_FIELDS:
        return
    enqueue_with_transaction(tasks.rescore_product, product_id=instance.pk)


@receiver(user_logged_out, dispatch_uid="recommendations.forget_recently_viewed")
def forget_recently_viewed(sender: type, request: HttpRequest | None, **kwargs: object) -> None:
    if request is not None:
        recent.forget(request)
