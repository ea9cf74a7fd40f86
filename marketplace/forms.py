"""The seller portal's forms: the application, a product with its variants and images (the
variants with the shop's own rules for prices and stock), and a parcel's tracking number."""

from django import forms
from django.forms import inlineformset_factory

from shop.admin.catalogue import VariantForm
from shop.models import Category, Product, ProductImage, Seller, SellerBranch, Variant


class ApplicationForm(forms.ModelForm):
    class Meta:
        model = Seller
        fields = ["name", "description", "logo", "contact_email", "return_address",
                  "return_policy", "links"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4}),
                   "return_address": forms.Textarea(attrs={"rows": 3}),
                   "return_policy": forms.Textarea(attrs={"rows": 3}),
                   "links": forms.Textarea(attrs={"rows": 2})}

    def clean_links(self) -> str:
        validate = forms.URLField().clean
        links = [validate(line.strip()) for line in self.cleaned_data["links"].splitlines()
                 if line.strip()]
        return "\n".join(links)


class BranchForm(forms.ModelForm):
    class Meta:
        model = SellerBranch
        fields = ["name", "address", "latitude", "longitude"]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}


BranchFormSet = forms.formset_factory(BranchForm, extra=2, max_num=5, validate_max=True)


class ProductForm(forms.ModelForm):
    category = forms.ModelChoiceField(queryset=Category.objects.all())

    class Meta:
        model = Product
        fields = ["name", "description", "category", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}


class SellerVariantForm(VariantForm):
    class Meta:
        model = Variant
        fields = ["sku", "size", "color", "price", "compare_at_price", "on_hand",
                  "low_stock_threshold"]


def variant_formset(*, new: bool) -> type:
    """A product's variants: a new product starts with one to fill in; one saved already
    shows its own and a blank one to add."""
    return inlineformset_factory(
        Product, Variant, form=SellerVariantForm, extra=0 if new else 1, can_delete=False,
        min_num=1, validate_min=True,
    )
ImageFormSet = inlineformset_factory(
    Product, ProductImage, fields=["image", "alt_text", "position"], extra=1, can_delete=True
)


class ShipForm(forms.Form):
    tracking_number = forms.CharField(max_length=80, strip=True)
