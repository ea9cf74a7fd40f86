"""The dashboard's demo data: `manage.py seed_demo` and `manage.py demo_staff`.

A package by use case: history (a year of made-up orders, planned deterministically from a
seed), orders (one of them: what is in it and what became of it), catalogue (what they are
made of), fulfilment (each order's parcels, one per seller, its payment, shipping and refunds),
people (the made-up customers who place them), tastes (what each of them likes and which goods
are bought together), seasons (the few goods that sell by the week and the year), risk (each
order's risk row, scored by shop's rules, and the holds), attacks (the few orders attackers
place), reviews (what some of them write of what was delivered to them), bulk (inserting them
a batch at a time), staff (the demo's staff account, so that the dashboard can be opened at
all) and sellers (the demo sellers' owners and an application waiting, so that the seller
portal can be too).

This is the only place outside shop's and payments' services that writes orders, order lines,
shipments, payments, risk rows, order events and reviews. It writes past orders straight into
the tables with bulk inserts because the services place one order per transaction, with
stock reservations, events, emails and tasks: the benchmark's hundred thousand orders would
take hours that way, and none of those effects belong to orders that were never placed. What
it writes is rows only, never cached totals, so every figure the dashboard shows comes from
the same selectors as in production; the one cache it touches, each product's rating, is
recounted from the review rows by shop's own service.
"""
