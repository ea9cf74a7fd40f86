"""A product saved (in the admin, the seller portal or a service) is rescored once its change
commits: what it is like may have changed, and a product no longer listed leaves the rows."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from recommendations import tasks
from shop.models import Product
from worker.enqueue import enqueue_with_transaction


@receiver(post_save, sender=Product, dispatch_uid="recommendations.rescore_product")
def rescore_saved_product(sender: type[Product], instance: Product, raw: bool = False,
                          **kwargs: object) -> None:
    if not raw:  # loading fixtures saves nothing new
        enqueue_with_transaction(tasks.rescore_product, product_id=instance.pk)
