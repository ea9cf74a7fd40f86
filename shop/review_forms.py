"""The review forms: a customer's review of a product, and of a shop."""

from django import forms

from shop.models import Review

RATING_CHOICES = [(n, f"{n} star{'s' if n > 1 else ''}") for n in range(1, 6)]


class ReviewForm(forms.ModelForm):
    """A customer's review: stars from 1 to 5, a title, and what they have to say."""

    rating = forms.TypedChoiceField(
        choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect,
        error_messages={"required": "Choose a rating from 1 to 5 stars."},
    )

    class Meta:
        model = Review
        fields = ["rating", "title", "body"]
        labels = {"body": "Your review"}
        help_texts = {"body": "What did you like or not? How does it fit, wear or work?"}
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}
        error_messages = {"title": {"required": "Give your review a title."}}


class ShopReviewForm(forms.Form):
    """A customer's review of a shop: stars from 1 to 5, and a few words."""

    rating = forms.TypedChoiceField(
        choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect,
        error_messages={"required": "Choose a rating from 1 to 5 stars.",
                        "invalid_choice": "Choose a rating from 1 to 5 stars."},
    )
    body = forms.CharField(label="Your review", max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text="How were its parcels, its answers, its returns?")
