"""Reading a search as PostgreSQL's websearch reads it: words must all be there, "quoted
words" and hyphenated words ("t-shirt") together, `or` between alternatives, `-word` left out
(`-wool` alone: everything without wool). Written for SQLite's FTS5, whose own syntax stays
out of the shopper's hands; the words are read the same way for close spellings
(shop.selectors.spellings).
"""

import re

# PostgreSQL's English stop words: left out of a query, as its `english` configuration does.
STOP_WORDS = frozenset({
    "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are",
    "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but",
    "by", "can", "did", "do", "does", "doing", "don", "down", "during", "each", "few", "for",
    "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself",
    "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just",
    "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once",
    "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "s", "same", "she",
    "should", "so", "some", "such", "t", "than", "that", "the", "their", "theirs", "them",
    "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too",
    "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while",
    "who", "whom", "why", "will", "with", "you", "your", "yours", "yourself", "yourselves",
})

TERM = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def words_of(text: str) -> list[str]:
    """Letters and digits in a row, as pg_trgm reads words (an underscore parts them)."""
    return re.findall(r"[^\W_]+", text.lower())


def _bare_words(term: str) -> list[str]:
    """The words of an unquoted term, stop words left out, except inside a hyphenated word:
    PostgreSQL reads "t-shirt" whole, as a phrase of "t" and "shirt"."""
    words = []
    for token in re.findall(r"[^\W_]+(?:-[^\W_]+)*", term.lower()):
        parts = token.split("-")
        words += parts if len(parts) > 1 else [w for w in parts if w not in STOP_WORDS]
    return words


def _phrase(words: list[str]) -> str:
    return '"' + " ".join(words) + '"'


def alternatives_of(text: str) -> list[tuple[list[str], list[str]]]:
    """The alternatives of `text` (split by `or`), each as the FTS5 phrases it requires and
    those it excludes (`-term`). A term is a word, a "quoted" or hyphenated run of words;
    quoting every one keeps FTS5's own syntax out of the shopper's hands."""
    alternatives, wanted, unwanted = [], [], []
    for negated, quoted, bare in TERM.findall(text):
        if bare and bare.lower() == "or":
            alternatives.append((wanted, unwanted))
            wanted, unwanted = [], []
            continue
        if bare.startswith("-") and len(bare) > 1:
            negated, bare = "-", bare[1:]
        words = words_of(quoted) if quoted else _bare_words(bare)
        if words:
            (unwanted if negated else wanted).append(_phrase(words))
    alternatives.append((wanted, unwanted))
    return alternatives


def words_query(text: str) -> str:
    """An FTS5 query for the alternatives of `text` that require words, every required term
    there and no excluded one. Empty when none does."""
    return " OR ".join(
        "(" + " AND ".join(wanted) + "".join(f" NOT {u}" for u in unwanted) + ")"
        for wanted, unwanted in alternatives_of(text)
        if wanted
    )
