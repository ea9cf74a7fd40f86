"""Close spellings: what a search whose words no product has finds instead (names with a
word spelled close to each word searched for), and what a search that finds nothing at all
suggests. How close a word is spelled is pg_trgm's similarity of their trigrams; a name's words
of one or two letters are no spelling of anything.

PostgreSQL finds the close words among the words of the catalogue's names (a table triggers
keep, 0025), then the names holding them by the name's trigram index. SQLite takes the names
sharing three letters in a row with a word searched for from its trigram table of names (0009;
or every name, see `spelled_like`), and scores their words by `closeness` below, which it calls
as an SQL function.
"""

from collections.abc import Iterable, Set
from functools import lru_cache

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import Case, F, FloatField, Func, QuerySet, Value, When
from django.db.models.expressions import Expression, RawSQL

from shop.models import Product
from shop.selectors.search_text import STOP_WORDS, TERM, words_of

# How similar a word of a name must be to a word of a search with a typo ("jaket" and
# "jacket": 4/9; pg_trgm's default of 0.3 would also take "jam" for "jar", at 1/3).
CLOSE_ENOUGH = 0.4
# Similarities are rounded to this many places, and their sums, alike on both databases:
# PostgreSQL's come in single precision and it adds the rounded ones exactly, as decimals;
# in floating point 0.4 + 0.8 would outrank 0.6 + 0.6.
PLACES = 6
# Looser, for the words a search that found nothing is offered instead.
SUGGESTIBLE = 0.3


def _on_postgres() -> bool:
    return connection.vendor == "postgresql"


def _spellable(words: Iterable[str]) -> list[str]:
    """The words of three letters or more: one or two are no spelling of anything."""
    return [word for word in words if len(word) >= 3]


def close_words(
    text: str, *, limit: int = 3, products: QuerySet[Product] | None = None
) -> list[str]:
    """Words of the names of `products` (by default every listed one) spelled a little like
    the words of `text`, the closest first: what a search that found nothing could have
    meant. One query."""
    wanted = _spellable(words_of(text))
    if not wanted:
        return []
    products = Product.objects.listed() if products is None else products
    if _on_postgres():
        products = products.annotate(
            closeness=TrigramWordSimilarity(text, "name")
        ).filter(closeness__gte=SUGGESTIBLE)
    else:
        _sqlite_functions()
        products = products.filter(pk__in=RawSQL(
            "SELECT rowid FROM shop_product_letters WHERE shop_product_letters MATCH %s",
            [_trigram_query(text)],
        )).annotate(closeness=_similarity_to(text))
    # The closest names first, so that the cut keeps the words most like the query's.
    closest = products.order_by("-closeness", "name", "pk").values_list("name", flat=True)
    wanted_trigrams = [_trigrams([word]) for word in wanted]
    scored = {}
    for name in closest[:200]:
        for word in _spellable(words_of(name)):
            trigrams = _trigrams([word])
            score = max(_similarity(each, trigrams) for each in wanted_trigrams)
            if score >= SUGGESTIBLE and word not in wanted:
                scored[word] = max(score, scored.get(word, 0))
    return sorted(scored, key=lambda w: (-scored[w], w))[:limit]


def spelled_like(products: QuerySet[Product], text: str) -> QuerySet[Product]:
    """The products whose name has a word spelled close to each word `text` looks for."""
    words = _spelled_words(text)
    if not words:
        return products.none()
    if _on_postgres():
        for word in words:
            products = products.filter(name__iregex=_close_spellings_pattern(word))
        return products
    _sqlite_functions()
    # Two words sharing no three letters in a row share at most three trigrams (those padded
    # with spaces), and a word of three letters has four: a word with seven trigrams or more
    # is close only to words sharing three letters in a row with it, which the trigram table
    # finds. With fewer ("wol" and "wool": 1/2; "tooooop" and "top": 3/7) every name is scored.
    richest = max(words, key=lambda word: len(_trigrams([word])))
    if len(_trigrams([richest])) < 7:
        return products.filter(pk__in=RawSQL(
            "SELECT id FROM shop_product WHERE shop_closeness(%s, name) > 0", [text]
        ))
    return products.filter(pk__in=RawSQL(
        "SELECT rowid FROM shop_product_letters WHERE shop_product_letters MATCH %s"
        " AND shop_closeness(%s, name) > 0",
        [_trigram_query(richest), text],
    ))


# A regular expression (PostgreSQL's) matching any of some words, separated by |, as whole
# words of a name: not \m and \M, for which an underscore is part of a word.
WORD_START, WORD_END = "(^|[^[:alnum:]])(", ")([^[:alnum:]]|$)"


def _close_spellings_pattern(word: str) -> RawSQL:
    """A regular expression matching a name that has one of the catalogue's words spelled
    close to `word`, as a subquery PostgreSQL runs once per statement; NULL (matching
    nothing) when no word is close. The name's trigram index finds the names for it, as
    it would for the words written out."""
    return RawSQL(
        "SELECT %s || string_agg(word, '|') || %s FROM shop_name_word"
        " WHERE word %% %s AND similarity(word, %s) >= %s",
        [WORD_START, WORD_END, word, word, CLOSE_ENOUGH],
    )


def closeness_rank(text: str) -> Expression:
    """`closeness(text, name)` as SQL. On PostgreSQL one query first reads how close the
    catalogue's words are to the search's; each name then only has to be matched against
    them, closest first."""
    if not _on_postgres():
        _sqlite_functions()
        return Func(
            Value(text), F("name"), function="shop_closeness", output_field=FloatField()
        )
    words = _spelled_words(text)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT wanted, similarity(word, wanted) AS closeness, array_agg(word)"
            " FROM unnest(%s::text[]) AS wanted, shop_name_word"
            " WHERE word %% wanted AND similarity(word, wanted) >= %s"
            " GROUP BY wanted, closeness ORDER BY wanted, closeness DESC",
            [words, CLOSE_ENOUGH],
        )
        found = cursor.fetchall()
    # A name matched has a close word for each word wanted: its rank is the sum of the
    # closest of each, found by trying each one's close words, closest first. Where they are
    # all as close, every name matched has one of them: nothing to try (at 200,000 products
    # trying "wool" on each of the 6,600 names "wooll" matches took 10 ms).
    rank = Value(0.0)
    for wanted in words:
        groups = [(closeness, close) for asked, closeness, close in found if asked == wanted]
        if len(groups) == 1:
            rank = rank + Value(round(groups[0][0], PLACES))
            continue
        rank = rank + Case(
            *(
                When(name__iregex=WORD_START + "|".join(close) + WORD_END,
                     then=round(closeness, PLACES))
                for closeness, close in groups
            ),
            default=0.0,
            output_field=FloatField(),
        )
    return rank


def _similarity_to(text: str) -> Func:
    """`word_similarity(text, name)` in SQLite's SQL."""
    return Func(
        Value(text), F("name"), function="shop_word_similarity", output_field=FloatField()
    )


def _trigram_query(text: str) -> str:
    """An FTS5 query finding names that share three letters in a row with a word of `text`."""
    slices = sorted({w[i:i + 3] for w in words_of(text) for i in range(len(w) - 2)})
    return " OR ".join(f'"{s}"' for s in slices)


def _trigrams(words: Iterable[str]) -> set[str]:
    """pg_trgm's trigrams: each word lower-cased, padded with two spaces before, one after."""
    found = set()
    for word in words:
        padded = f"  {word} "
        found.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return found


def _similarity(a: Set[str], b: Set[str]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


@lru_cache(maxsize=256)
def _text_trigrams(text: str) -> frozenset[str]:
    return frozenset(_trigrams(words_of(text)))


@lru_cache(maxsize=4096)
def word_similarity(text: str, name: str | None) -> float:
    """pg_trgm's strict_word_similarity: the greatest similarity between the trigrams of
    `text` and those of any run of whole words of `name`. What the suggestions read names
    in order of on SQLite (PostgreSQL reads them in order of pg_trgm's word_similarity,
    which is not strict: the words they offer are scored alike, by `close_words`)."""
    wanted, words = _text_trigrams(text), words_of(name or "")
    return max(
        (
            _similarity(wanted, _trigrams(words[start:end]))
            for start in range(len(words))
            for end in range(start + 1, len(words) + 1)
        ),
        default=0.0,
    )


def _spelled_words(text: str) -> list[str]:
    """The words a search with a typo looks for close spellings of, each once: those of three
    letters or more that it asks for (not those it leaves out), stop words aside."""
    words = []
    for negated, quoted, bare in TERM.findall(text):
        if not (negated or bare.startswith("-")):
            words += words_of(quoted or bare)
    return list(dict.fromkeys(w for w in _spellable(words) if w not in STOP_WORDS))


@lru_cache(maxsize=4096)
def closeness(text: str, name: str | None) -> float:
    """How close the words of `name` are spelled to those a search with a typo looks for:
    the similarity of the name's closest word to each, summed; 0 unless each has one at
    least CLOSE_ENOUGH. Remembered, as a listing asks it of the same names in several
    queries (the page, its count, the facets). A name's words of one or two letters are
    not read: "in" is not a spelling of "ink"."""
    names = [_trigrams([word]) for word in _spellable(words_of(name or ""))]
    total = 0.0
    for word in _spelled_words(text):
        wanted = _trigrams([word])
        closest = max((_similarity(wanted, trigrams) for trigrams in names), default=0.0)
        if closest < CLOSE_ENOUGH:
            return 0.0
        total += round(closest, PLACES)
    # As PostgreSQL adds the same places exactly: 0.4 + 0.8 and 0.6 + 0.6 tie.
    return round(total, PLACES)


def _add_functions(connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        for name, function in [
            ("shop_word_similarity", word_similarity), ("shop_closeness", closeness),
        ]:
            connection.connection.create_function(name, 2, function, deterministic=True)


connection_created.connect(_add_functions)


def _sqlite_functions() -> None:
    """The connection may have been opened before this module was imported."""
    connection.ensure_connection()
    _add_functions(connection)
