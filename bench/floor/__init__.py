"""The floor: a bare Django project, served by the same gunicorn settings as the shop, that
the benchmark measures in the same run. Two views: a constant 1 KiB page, and a page of 20
rows of one query rendered through a template. Every figure of the shop is given as a ratio
to these, so a slower or busier machine moves both alike."""
