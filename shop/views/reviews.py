"""Writing a review from the product page: one per customer per product, rewritten when
they post again."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from shop.review_forms import ReviewForm
from shop.selectors import catalogue
from shop.selectors.reviews import customer_review
from shop.services import reviews as review_services
from shop.views.catalogue import product_page


@require_POST
def review_submit(request: HttpRequest, slug: str) -> HttpResponse:
    product = catalogue.product_detail(slug)
    if product is None:
        raise Http404("No such product.")
    if not request.user.is_authenticated:
        back = f"{product.get_absolute_url()}#reviews"
        if request.htmx:
            return HttpResponseClientRedirect(redirect_to_login(back).url)
        return redirect_to_login(back)
    mine = customer_review(product, request.user)
    form = ReviewForm(request.POST, instance=mine)
    if not form.is_valid():
        return product_page(request, product, review_form=form)
    review_services.submit_review(product=product, user=request.user, **form.cleaned_data)
    notice = "Thank you: your review is updated." if mine else "Thank you for your review."
    if request.htmx:
        return product_page(request, product, review_notice=notice)
    messages.success(request, notice)
    return redirect(f"{product.get_absolute_url()}#reviews")
