"""Staff tools for the catalogue: products with their variants and images on one page, and a
variant list where price and stock are edited in place.

Every change of a variant's price or stock, from any of the three places it is edited (the
variant's page, the variant list, the product's page), writes an audit entry.
"""

from collections.abc import Iterable
from decimal import Decimal
from functools import partial
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, F, QuerySet, Sum
from django.forms import BaseInlineFormSet, ModelForm, modelformset_factory
from django.http import HttpRequest
from django.utils.html import format_html

from security import audit
from shop.admin import customers
from shop.models import Category, Product, ProductImage, User, Variant

admin.site.site_header = f"{settings.STORE_NAME} staff"
admin.site.site_title = f"{settings.STORE_NAME} staff"

# The fields of a variant that are money or stock: changing one writes an audit entry.
AUDITED_FIELDS = ["price", "compare_at_price", "on_hand"]


def audited_changes(form: ModelForm, fields: Iterable[str]) -> dict[str, dict]:
    """{field: {"old": …, "new": …}} for each of `fields` a bound, valid admin form is about to
    change. Call it before saving. "old" is the value as the form showed it (None when
    adding); a field staff retyped to the value it has by now is left out."""
    adding = form.instance.pk is None
    changes = {}
    for name in fields:
        if name not in form.changed_data:
            continue
        old, new = (None if adding else form.initial.get(name)), form.cleaned_data[name]
        if adding or old != new:
            changes[name] = {"old": old, "new": new}
    return changes


class VariantForm(forms.ModelForm):
    """Stock edited by hand may not drop below what open orders have reserved. (The
    database refuses it too; this says so on the form instead of failing the save.)

    Saving writes only what staff changed, judged against the values the form showed them
    (hidden initial values), not against the row as it is now: stock and `reserved` move with
    orders while a form is open, and writing back what the form was built with would undo
    those moves, in this row or in any other row of the variant list.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.show_hidden_initial = True

    def save(self, commit: bool = True) -> Variant:
        if commit and self.instance.pk:
            self.instance.save(update_fields=self.changed_model_fields())
            return self.instance
        return super().save(commit)

    def changed_model_fields(self) -> list[str]:
        columns = {f.name for f in Variant._meta.concrete_fields}
        return [name for name in self.changed_data if name in columns]

    def audited_changes(self) -> dict[str, dict]:
        return audited_changes(self, AUDITED_FIELDS)

    def clean_on_hand(self) -> int | None:
        on_hand = self.cleaned_data["on_hand"]
        if on_hand is not None and on_hand < self.instance.reserved:
            raise forms.ValidationError(
                f"Reserved units cannot exceed the units on hand: {self.instance.reserved} "
                "are reserved by open orders."
            )
        return on_hand


STOCK_FIELDS = ("on_hand", "low_stock_threshold")


class StockOrPrice:
    """A variant's stock is changed with shop.change_stock (fulfilment), its price and the
    rest with shop.change_variant (the catalogue): each person gets the fields they may
    change, the others read-only."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) or (
            request.user.has_perm("shop.change_stock")
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        user = request.user
        if not user.has_perm("shop.change_variant"):
            readonly += [name for name in self.editable_fields if name not in STOCK_FIELDS]
        if not user.has_perm("shop.change_stock"):
            readonly += [name for name in self.editable_fields if name in STOCK_FIELDS]
        return readonly


class VariantInline(StockOrPrice, admin.TabularInline):
    model = Variant
    form = VariantForm
    extra = 0
    fields = [
        "sku", "size", "color", "price", "compare_at_price", "on_hand", "reserved",
        "low_stock_threshold",
    ]
    readonly_fields = ["reserved"]  # moved only by orders, never by hand
    editable_fields = [name for name in fields if name != "reserved"]


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ["preview", "image", "alt_text", "position"]
    readonly_fields = ["preview"]

    @admin.display(description="")
    def preview(self, image: ProductImage) -> str:
        if not image.image:
            return ""
        return format_html('<img src="{}" alt="" width="64" height="64">', image.image.url)


class CategoryChildInline(admin.TabularInline):
    model = Category
    fk_name = "parent"
    extra = 0
    fields = ["name", "slug", "position"]
    prepopulated_fields = {"slug": ["name"]}
    verbose_name_plural = "subcategories"


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "slug", "position", "product_count"]
    list_editable = ["position"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CategoryChildInline]
    list_select_related = ["parent"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        # select_related: a category's name includes its parent's, in lists and autocomplete.
        categories = super().get_queryset(request).select_related("parent")
        return categories.annotate(product_count=Count("products"))

    @admin.display(description="products", ordering="product_count")
    def product_count(self, category: Category) -> int:
        return category.product_count


class StockFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, str]]:
        low = "Low (at or under its low-stock threshold)"
        return [("out", "Out of stock"), ("low", low), ("in", "In stock")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Variant]) -> QuerySet[Variant]:
        available = F("on_hand") - F("reserved")
        queryset = queryset.alias(available_units=available)
        match self.value():
            case "out":
                return queryset.filter(available_units__lte=0)
            case "low":  # each variant's own threshold, as staff's low-stock list has it
                return queryset.filter(
                    available_units__gt=0, available_units__lte=F("low_stock_threshold")
                )
            case "in":
                return queryset.filter(available_units__gt=0)
        return queryset


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "name", "category", "is_active", "is_featured", "variant_count", "lowest_price", "stock",
    ]
    list_editable = ["is_active", "is_featured"]
    list_filter = ["is_active", "is_featured", ("category", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug", "description", "variants__sku"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["rating_average", "rating_count", "created_at", "updated_at"]
    autocomplete_fields = ["category"]
    list_select_related = ["category__parent"]
    inlines = [VariantInline, ProductImageInline]
    list_per_page = 50
    date_hierarchy = "created_at"

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseInlineFormSet, change: bool
    ) -> None:
        if formset.model is not Variant:
            super().save_formset(request, form, formset, change)
            return
        deleted = set(formset.deleted_forms)
        changed = [
            (variant_form, variant_form.instance.pk is None, variant_form.audited_changes())
            for variant_form in formset.forms
            if variant_form.has_changed() and variant_form not in deleted
        ]
        super().save_formset(request, form, formset, change)
        for variant_form, adding, changes in changed:
            _audit_variant(request, variant_form.instance, changes, adding=adding)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                variant_count=Count("variants", distinct=True),
                stock=Sum(F("variants__on_hand") - F("variants__reserved")),
            )
        )

    @admin.display(description="variants", ordering="variant_count")
    def variant_count(self, product: Product) -> int:
        return product.variant_count

    # The product's stored cheapest price (kept by the database, shop migration 0021).
    @admin.display(description="from", ordering="lowest_price")
    def lowest_price(self, product: Product) -> Decimal | None:
        return product.lowest_price

    @admin.display(description="available", ordering="stock")
    def stock(self, product: Product) -> int | None:
        return product.stock


@admin.register(Variant)
class VariantAdmin(StockOrPrice, admin.ModelAdmin):
    list_display = [
        "sku", "product", "size", "color", "price", "compare_at_price", "on_hand", "reserved",
    ]
    list_editable = ["price", "compare_at_price", "on_hand"]
    list_filter = [
        StockFilter, "size", "color", ("product__category", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["sku", "product__name"]
    readonly_fields = ["reserved"]
    autocomplete_fields = ["product"]
    list_select_related = ["product"]
    list_per_page = 100
    form = VariantForm

    class Media:
        css = {"all": ["css/admin.css"]}

    editable_fields = [
        "product", "sku", "size", "color", "price", "compare_at_price", "on_hand", "position",
        "low_stock_threshold",
    ]

    def editable_in_list(self, request: HttpRequest) -> list[str]:
        readonly = self.get_readonly_fields(request)
        return [name for name in self.list_editable if name not in readonly]

    def get_changelist_instance(self, request: HttpRequest):
        changelist = super().get_changelist_instance(request)
        changelist.list_editable = self.editable_in_list(request)
        return changelist

    def get_changelist_formset(self, request: HttpRequest, **kwargs: Any):
        return modelformset_factory(
            Variant, self.get_changelist_form(request), extra=0,
            fields=self.editable_in_list(request),
            formfield_callback=partial(self.formfield_for_dbfield, request=request), **kwargs,
        )

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> type[ModelForm]:
        return super().get_changelist_form(request, form=VariantForm, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: Variant, form: VariantForm, change: bool
    ) -> None:
        # The variant's page and each changed row of the list both come through here.
        changes = form.audited_changes()
        form.save()  # VariantForm.save writes only what staff changed; `obj` is its instance
        _audit_variant(request, obj, changes, adding=not change)


def _audit_variant(request: HttpRequest, variant: Variant, changes: dict, *, adding: bool) -> None:
    if changes:
        action = "variant.added" if adding else "variant.changed"
        audit.record(request, action, variant, **changes)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "date_joined",
                    "erased_at"]
    actions = [customers.erase_personal_data]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal info", {"fields": ["first_name", "last_name"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Important dates", {"fields": ["last_login", "date_joined", "erased_at"]}),
    ]
    readonly_fields = ["erased_at"]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def has_erase_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(customers.ERASE_PERMISSION)
