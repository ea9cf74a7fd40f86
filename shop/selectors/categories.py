"""The category tree: every category (cached with the catalogue), as a two-level tree of
nodes with counts, and a category with its descendants."""

from collections import Counter
from dataclasses import dataclass, field

from shop import caching
from shop.models import Category


@dataclass
class CategoryNode:
    category: Category
    count: int = 0
    children: list["CategoryNode"] = field(default_factory=list)


def all_categories() -> list[Category]:
    """Every category, in the model's order: what the home page and each listing start from."""
    return caching.remember("categories", (), lambda: list(Category.objects.all()))


def category_tree(categories: list[Category], counts: Counter | None = None) -> list[CategoryNode]:
    """Two-level tree of nodes; a parent's count includes its children's."""
    counts = counts or Counter()
    nodes = {c.pk: CategoryNode(c, counts[c.pk]) for c in categories}
    roots = []
    for category in categories:
        node = nodes[category.pk]
        if category.parent_id in nodes:
            parent = nodes[category.parent_id]
            parent.children.append(node)
            parent.count += node.count
        else:
            roots.append(node)
    return roots


def descendant_ids(categories: list[Category], root: Category) -> list[int]:
    ids, frontier = [root.pk], {root.pk}
    while frontier:
        frontier = {c.pk for c in categories if c.parent_id in frontier}
        ids.extend(frontier)
    return ids
