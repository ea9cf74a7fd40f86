"""Background work on recommendations: the periodic rebuild of the tables (also `manage.py
rebuild_recommendations`) and the rescoring of one product after it changed. Both can run
again at any time with the same result."""

from django.tasks import task

from recommendations import services


@task
def rebuild_recommendations() -> int:
    """Rebuild every table; returns how many products were scored."""
    return services.rebuild().products


@task
def rescore_product(*, product_id: int) -> None:
    services.rescore_product(product_id=product_id)
