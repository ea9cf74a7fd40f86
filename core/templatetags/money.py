"""`{% load money %}`: amounts in the store's currency, for every app's templates."""

from django import template

from core.money import format_money

register = template.Library()

register.filter("money", format_money)
