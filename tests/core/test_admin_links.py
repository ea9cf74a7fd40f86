"""The admin links of a dashboard's rows are the admin's own URLs, reversed once a model."""

import pytest
from django.template import Context, Template
from django.urls import clear_script_prefix, reverse, set_script_prefix

from tests.factories import VariantFactory

LINK = Template("{% load admin_links %}{{ row|admin_change_url }}")


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["/", "/shop/"])
def test_a_rows_link_is_what_the_admin_reverses(prefix):
    variants = VariantFactory.create_batch(2)
    set_script_prefix(prefix)
    try:
        for variant in variants:
            expected = reverse("admin:shop_variant_change", args=[variant.pk])
            assert expected.startswith(f"{prefix}admin/")
            assert LINK.render(Context({"row": variant})) == expected
    finally:
        clear_script_prefix()
