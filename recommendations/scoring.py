"""The arithmetic of recommendations, on plain ids and numbers: no database, so the rebuild
(recommendations.services) and the evaluation (recommendations.evaluation) run the same code.

Owns the two tables a rebuild keeps, `Links` ({product: [(other, score), …] best first}):

- `co_purchase`: products bought in the same orders. The score is the normalised
  co-occurrence (cosine): orders holding both / √(orders holding one × orders holding the
  other), so a best-seller that is in many baskets by chance does not come first everywhere,
  and, unlike lift, two products bought once together do not beat a pair bought together
  fifty times.
- `similar`: products whose descriptions are alike, by the cosine of their TF-IDF vectors
  (scikit-learn). Each product is a document of its words, its category's and parent's
  names, its colours and sizes and its price band, so shared rare words (a material, a
  category) count for more than common ones.

and the rows ranked from them: `chain` (one source after another, for a product's rows)
and `blend` (sources summed over many seeds, for a customer's).

Memory stays bounded: the co-purchase counts are a sparse products × products matrix (only
pairs ever bought together), and the similarities are worked out a block of rows at a time,
a block never more than BLOCK_CELLS cells.
"""

import math
from array import array
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

TOP = 20  # links kept per product and source
BLOCK_CELLS = 4_000_000  # one block of similarities: 32 MB of float64
PRICE_BAND = 1.5  # each band is this many times dearer than the one below
# In a customer's row: how much likeness counts beside buying together (a tenth: its cosines
# run far higher than the co-purchase ones, and it predicts the next order less well), and a
# product saved or looked at beside one bought.
SIMILAR = 0.1
LIKED = 0.5

Links = dict[int, list[tuple[int, float]]]


def co_purchase(baskets: Iterable[Collection[int]]) -> Links:
    """For each product, the TOP products most often bought in the same basket, by
    normalised co-occurrence. A basket is the products of one order (each once)."""
    index: dict[int, int] = {}
    rows, columns = array("q"), array("q")
    count = 0
    for count, basket in enumerate(baskets, start=1):
        for product in set(basket):
            rows.append(count - 1)
            columns.append(index.setdefault(product, len(index)))
    if not index:
        return {}
    ones = np.ones(len(rows), dtype=np.float32)
    orders = sparse.csr_matrix((ones, (np.frombuffer(rows, dtype=np.int64),
                                       np.frombuffer(columns, dtype=np.int64))),
                               shape=(count, len(index)))
    together = (orders.T @ orders).tocsr()
    bought = together.diagonal()
    together.setdiag(0)
    together.eliminate_zeros()
    # Scale each count by 1/√(orders of the row's product * orders of the column's).
    scale = 1 / np.sqrt(bought)
    together = sparse.diags(scale) @ together @ sparse.diags(scale)
    return _best_per_row(together.tocsr(), list(index))


def similar(documents: Mapping[int, str]) -> Links:
    """For each product, the TOP products whose documents are most alike (cosine of the
    TF-IDF vectors), none with nothing in common."""
    ids = list(documents)
    if len(ids) < 2:
        return {}
    vectors = vectorise(documents[product] for product in ids)
    rows_per_block = max(1, BLOCK_CELLS // len(ids))
    links: Links = {}
    for start in range(0, len(ids), rows_per_block):
        block = sparse.coo_matrix(vectors[start:start + rows_per_block] @ vectors.T)
        others = block.row + start != block.col  # no product is like itself
        block = sparse.csr_matrix((block.data[others], (block.row[others], block.col[others])),
                                  shape=block.shape)
        links |= _best_per_row(block, ids, row_ids=ids[start:start + rows_per_block])
    return links


def vectorise(documents: Iterable[str]) -> sparse.csr_matrix:
    """TF-IDF vectors, one row per document, each of length one."""
    vectoriser = TfidfVectorizer(sublinear_tf=True, stop_words="english", dtype=np.float32,
                                 token_pattern=r"(?u)\b\w[\w-]+\b")  # noqa: S106 - not a secret
    return vectoriser.fit_transform(documents)


def document(*, name: str, description: str, categories: Sequence[str], colours: Iterable[str],
             sizes: Iterable[str], price: float | None) -> str:
    """A product as the words its similarity is measured on: the name counts twice, the
    category's words and a token of its own for each category, the options as tokens
    (`colour-navy`, `size-m`) and the price band as one (`price-band-9`)."""
    words = [name, name, description, *categories]
    words += ["category-" + "-".join(c.lower().split()) for c in categories]
    words += ["colour-" + "-".join(c.lower().split()) for c in colours if c]
    words += ["size-" + "-".join(s.lower().split()) for s in sizes if s]
    if price:
        words.append(f"price-band-{math.floor(math.log(price, PRICE_BAND))}")
    return " ".join(words)


def likeness(documents: Mapping[int, str], product: int) -> dict[int, float]:
    """How alike `product` is to each other product with anything in common (the cosine of
    their TF-IDF vectors, as `similar` works it out)."""
    ids = list(documents)
    vectors = vectorise(documents[pk] for pk in ids)
    row = (vectors[ids.index(product)] @ vectors.T).tocoo()
    return {ids[column]: float(score) for column, score in zip(row.col, row.data, strict=True)
            if ids[column] != product and score > 0}


def best(scores: Mapping[int, float]) -> list[tuple[int, float]]:
    """The TOP best of {other: score}, best first; ties by the other product's id, as
    every list here is ranked."""
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:TOP]


def _best_per_row(matrix: sparse.csr_matrix, column_ids: Sequence[int], *,
                  row_ids: Sequence[int] | None = None) -> Links:
    row_ids = column_ids if row_ids is None else row_ids
    id_of = np.asarray(column_ids)
    links: Links = {}
    for row, product in enumerate(row_ids):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        if start == end:
            continue
        scores, columns = matrix.data[start:end], matrix.indices[start:end]
        # Best first; ties by the other product's id, so every run ranks alike.
        order = np.lexsort((id_of[columns], -scores))[:TOP]
        links[product] = [(int(id_of[columns[i]]), float(scores[i])) for i in order]
    return links


# --- rows ---------------------------------------------------------------------------------


def chain(*sources: Iterable[int], exclude: Collection[int] = (), limit: int) -> list[int]:
    """Up to `limit` products, each once, from the first source then the next ones as long
    as there are too few, none of `exclude`."""
    row: list[int] = []
    seen = set(exclude)
    for source in sources:
        for product in source:
            if product not in seen:
                seen.add(product)
                row.append(product)
                if len(row) == limit:
                    return row
    return row


def blend(seeds: Mapping[int, float], tables: Sequence[tuple[Links, float]]) -> list[int]:
    """Products ranked by their summed scores in `tables` (each with its weight) beside
    `seeds` (each with its own weight), best first, the seeds themselves included."""
    scores: defaultdict[int, float] = defaultdict(float)
    for links, weight in tables:
        for seed, seed_weight in seeds.items():
            for other, score in links.get(seed, ()):
                scores[other] += weight * seed_weight * score
    return sorted(scores, key=lambda product: (-scores[product], product))


def for_you(purchases: Mapping[int, int], liked: Iterable[int], bought: Links, similar: Links,
            popular: Iterable[int], *, limit: int) -> list[int]:
    """A customer's products: first what they buy again and again (bought in more than one
    order: a thing they come back for), then what is bought with and is like what they
    bought (`purchases`: {product: orders holding it}) and liked (saved or looked at lately,
    weighing LIKED), then `popular`; nothing else they bought."""
    seeds = {product: LIKED for product in liked} | dict.fromkeys(purchases, 1.0)
    again = sorted((product for product, orders in purchases.items() if orders > 1),
                   key=lambda product: (-purchases[product], product))
    exclude = set(purchases) - set(again)
    ranked = blend(seeds, [(bought, 1.0), (similar, SIMILAR)])
    return chain(again, ranked, popular, exclude=exclude, limit=limit)


def linked(seeds: Iterable[int], links: Links) -> list[int]:
    """The products `links` gives for any of `seeds`, by their summed scores."""
    return blend(dict.fromkeys(seeds, 1.0), [(links, 1.0)])
