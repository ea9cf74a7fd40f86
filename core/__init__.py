"""The shared kernel: what every app of the shop may import, and which imports none of them.

- `core.http`: rendering pages for plain and HTMX requests alike, tidy query strings;
- `core.money`: amounts in the store's currency, rounded to the cent (and the `money` filter,
  `{% load money %}`);
- `core.retries`: retrying a failed task later, with backoff.
"""
