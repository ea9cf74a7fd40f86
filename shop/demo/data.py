"""The demo catalogue's data: the seed, the fixed clock, the palette and sizes, and DEPARTMENTS.

Owns what the demo store sells, written out as data: each department's aisles (an Aisle per child
category) with the sizes, colours, price range, product types and description phrases its
products are made from, plus the constants that planning and drawing read. No logic lives here
beyond _aisle, which turns the compact spelling below into an Aisle.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

SEED = 20250101
SKU_PREFIX = "NW"  # Northwind, the demo store's name
# The newest demo product is this old; a fixed instant keeps "newest" sorting the same everywhere.
NEWEST_AT = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
PRODUCTS_PER_AISLE = 15
# Product ranges, which name the benchmark's larger catalogue: "Heritage Wool Coat".
PRODUCT_RANGES = (
    "Classic", "Everyday", "Studio", "Heritage", "Weekend", "City", "Trail", "Coastal",
    "Harbour", "Alpine", "Meadow", "Field", "Summit", "Atelier",
)
IMAGE_SIZE = 600
IMAGE_QUALITY = 80
CENT = Decimal("0.01")

# The storefront's CSS swatches are keyed by these exact names: name -> (SKU code, RGB hex).
PALETTE = {
    "Black": ("BLK", "#222222"), "White": ("WHT", "#f4f4f0"), "Grey": ("GRY", "#8a8d91"),
    "Navy": ("NAV", "#1f2d4d"), "Blue": ("BLU", "#3a6fb0"), "Green": ("GRN", "#3d7a4a"),
    "Olive": ("OLV", "#6b6b3a"), "Red": ("RED", "#b8322f"), "Burgundy": ("BUR", "#6d1f2f"),
    "Pink": ("PNK", "#e8a0b4"), "Yellow": ("YEL", "#e8c547"), "Orange": ("ORG", "#e07b39"),
    "Brown": ("BRN", "#6f4a2f"), "Beige": ("BEI", "#d8c8a8"), "Purple": ("PUR", "#6a4c93"),
    "Teal": ("TEA", "#2a8a8a"),
}
WOMEN_SIZES = ("XS", "S", "M", "L", "XL")
MEN_SIZES = ("S", "M", "L", "XL", "XXL")
ALL_SIZES = ("XS", "S", "M", "L", "XL", "XXL")
# What each type of product is, which its pictures draw (shop.demo.shapes): every noun of
# DEPARTMENTS below is in one kind.
KINDS = {
    "dress": ("Midi Dress", "Wrap Dress", "Shirt Dress", "Slip Dress"),
    "sweater": ("Sweater", "Cardigan", "Turtleneck"),
    "t-shirt": ("T-Shirt", "Blouse"),
    "shirt": ("Oxford Shirt", "Overshirt", "Camp Collar Shirt", "Flannel Shirt"),
    "vest": ("Tank Top", "Camisole", "Knit Vest", "Insulated Vest"),
    "jacket": ("Jacket", "Bomber Jacket", "Chore Coat", "Rain Shell", "Fleece Jacket",
               "Softshell Jacket"),
    "parka": ("Parka",),
    "robe": ("Bathrobe",),
    "trousers": ("Chinos", "Jeans", "Trousers"),
    "shorts": ("Shorts",),
    "shoe": ("Ballet Flat", "Penny Loafer", "Low-Top Sneaker", "Derby Shoe", "Court Sneaker",
             "Trail Running Shoe", "Approach Shoe"),
    "boot": ("Ankle Boot", "Chelsea Boot", "Desert Boot", "Hiking Boot"),
    "sandal": ("Trail Sandal",),
    "mug": ("Mug", "Camp Mug"),
    "bowl": ("Bowl",),
    "plate": ("Dinner Plate",),
    "teapot": ("Teapot",),
    "folded linen": ("Duvet Cover", "Sheet Set", "Throw Blanket", "Bath Towel", "Hand Towel",
                     "Bath Mat"),
    "cushion": ("Pillowcase Pair", "Cushion Cover"),
    "vase": ("Vase",),
    "planter": ("Planter",),
    "candle": ("Candle Holder",),
    "bottle": ("Water Bottle",),
    "sleeping bag": ("Sleeping Bag",),
    "chair": ("Camp Chair",),
    "backpack": ("Daypack", "Hiking Backpack"),
    "bag": ("Duffel Bag", "Hip Pack"),
}
KIND_OF = {noun: kind for kind, nouns in KINDS.items() for noun in nouns}
# Plural nouns, which read "a pair of ..." in a description.
PAIRED_NOUNS = ("Chinos", "Jeans", "Trousers", "Shorts")


@dataclass(frozen=True)
class Aisle:
    """A child category and the rules its products are made by."""

    name: str
    blurb: str
    sizes: tuple[str, ...]
    colours: tuple[str, ...]
    colour_count: tuple[int, int]  # (0, 0): the products come in sizes only
    price: tuple[int, int]  # whole units, before the .00 / .95 ending
    types: tuple[tuple[str, tuple[str, ...]], ...]  # (noun, the materials it comes in)
    pitches: tuple[str, ...]  # follows "A <name>" in the description's first sentence
    details: tuple[str, ...]


def _aisle(name, blurb, sizes, colours, colour_count, price, types, pitches, details):
    return Aisle(name, blurb, tuple(sizes), tuple(colours.split()), colour_count,
                 price, tuple((noun, tuple(m.split(", "))) for noun, m in types),
                 tuple(pitches), tuple(details))


DEPARTMENTS = (
    ("Women", "Clothing, knitwear and shoes for women.", (
        _aisle("Dresses", "Dresses for every day and every occasion.", WOMEN_SIZES,
               "Black Navy Green Red Burgundy Pink Beige Blue Yellow Teal", (2, 3), (59, 149),
               (("Midi Dress", "Linen, Silk, Jersey, Floral Print"),
                ("Wrap Dress", "Jersey, Crepe, Polka Dot, Satin"),
                ("Shirt Dress", "Cotton Poplin, Chambray, Striped, Organic Cotton"),
                ("Slip Dress", "Silk, Satin, Cupro, Velvet")),
               ("cut to move easily from desk to dinner", "with a flattering, easy silhouette"),
               ("It has hidden side pockets and a lined bodice.",
                "The fabric drapes softly and resists creasing when you travel.")),
        _aisle("Knitwear", "Sweaters and cardigans knitted to last.", WOMEN_SIZES,
               "Navy Grey Beige Burgundy Olive Black White Pink Brown", (2, 3), (69, 189),
               (("Sweater", "Merino Wool, Cashmere, Alpaca Blend, Cotton Cable"),
                ("Cardigan", "Merino Wool, Lambswool, Mohair Blend, Chunky Knit"),
                ("Turtleneck", "Fine Merino, Cashmere Blend, Ribbed Cotton, Silk Blend"),
                ("Knit Vest", "Lambswool, Cable Knit, Alpaca, Fair Isle")),
               ("knitted for warmth without the bulk", "that softens with every wear"),
               ("Ribbed cuffs and hem keep their shape wash after wash.",
                "The yarn is traceable, mulesing-free and spun in Italy.")),
        _aisle("Tops", "Blouses, tees and camisoles for layering.", WOMEN_SIZES,
               "White Black Blue Pink Beige Navy Green Yellow", (2, 3), (29, 89),
               (("Blouse", "Silk, Linen, Cotton Voile, Crepe"),
                ("T-Shirt", "Organic Cotton, Slub Jersey, Breton Stripe, Pima Cotton"),
                ("Tank Top", "Ribbed Cotton, Washed Linen, Silk Jersey, Modal"),
                ("Camisole", "Washed Silk, Sandwashed Satin, Lace Trim, Cupro")),
               ("made for layering in every season", "with a relaxed, easy fit"),
               ("It is breathable, lightweight and machine washable.",
                "A clean neckline makes it easy to dress up or down.")),
        _aisle("Shoes", "Boots, flats and sneakers for women.", ("38", "39", "40", "41",
               "42"), "Black Brown Beige White Red Navy Burgundy", (2, 2), (79, 179),
               (("Ankle Boot", "Leather, Suede, Block Heel, Waterproof"),
                ("Ballet Flat", "Leather, Suede, Patent, Quilted"),
                ("Penny Loafer", "Leather, Suede, Chunky, Patent Leather"),
                ("Low-Top Sneaker", "Leather, Canvas, Recycled Knit, Platform")),
               ("made on a comfortable, roomy last", "built for walking all day"),
               ("A cushioned leather insole moulds to your foot.",
                "The rubber sole is stitched, so it can be resoled.")),
    )),
    ("Men", "Shirts, outerwear, trousers and shoes for men.", (
        _aisle("Shirts", "Oxford, flannel and camp collar shirts.", MEN_SIZES,
               "White Blue Navy Green Olive Grey Pink Red", (2, 3), (49, 119),
               (("Oxford Shirt", "Classic, Slim Fit, Brushed, Striped"),
                ("Overshirt", "Wool, Corduroy, Twill, Quilted"),
                ("Camp Collar Shirt", "Linen, Rayon, Printed, Seersucker"),
                ("Flannel Shirt", "Plaid, Heavyweight, Brushed Cotton, Organic")),
               ("with a button-down collar and a tailored fit", "cut for comfort all day"),
               ("Mother-of-pearl buttons and a back pleat give it room to move.",
                "The cotton is garment-washed for softness from the first wear.")),
        _aisle("Outerwear", "Jackets, parkas and coats for cold days.", MEN_SIZES,
               "Black Navy Olive Brown Beige Grey Green", (2, 3), (129, 349),
               (("Jacket", "Waxed Canvas, Quilted, Suede, Denim"),
                ("Parka", "Down, Fishtail, Insulated, Wool"),
                ("Chore Coat", "Canvas, Moleskin, Corduroy, Herringbone"),
                ("Bomber Jacket", "Nylon, Suede, Wool, Satin")),
               ("built for wind, rain and cold mornings", "made to age well over the years"),
               ("It has a warm lining, a two-way zip and deep hand-warmer pockets.",
                "The water-repellent finish keeps showers out.")),
        _aisle("Trousers", "Chinos, jeans, trousers and shorts.", MEN_SIZES,
               "Navy Beige Olive Black Grey Brown Blue", (2, 3), (59, 139),
               (("Chinos", "Slim, Straight, Stretch, Pleated"),
                ("Jeans", "Selvedge, Slim, Relaxed, Rigid"),
                ("Trousers", "Wool, Corduroy, Linen, Drawstring"),
                ("Shorts", "Chino, Linen, Cargo, Swim")),
               ("cut with a mid rise and a tapered leg", "with a comfortable, easy waist"),
               ("The cotton twill has a touch of stretch for comfort.",
                "Reinforced pockets and bar tacks stand up to daily wear.")),
        _aisle("Shoes", "Boots, derbies and sneakers for men.",
               ("40", "41", "42", "43", "44", "45", "46"), "", (0, 0), (99, 229),
               (("Derby Shoe", "Leather, Suede, Brogue, Commando Sole"),
                ("Chelsea Boot", "Leather, Suede, Waterproof, Crepe Sole"),
                ("Desert Boot", "Suede, Waxed Leather, Nubuck, Shearling-Lined"),
                ("Court Sneaker", "Leather, Canvas, Suede, Recycled")),
               ("Goodyear-welted to last for years", "made by hand in Portugal"),
               ("The full-grain leather develops a rich patina.",
                "A leather-lined footbed keeps it comfortable all day.")),
    )),
    ("Home", "Kitchen, bedding, bath and decor for the home.", (
        _aisle("Kitchen", "Mugs, bowls, plates and teapots.", (),
               "White Black Grey Blue Green Beige Teal Yellow Navy", (2, 4), (12, 69),
               (("Mug", "Stoneware, Enamel, Speckled, Porcelain"),
                ("Bowl", "Stoneware, Porcelain, Hand-Glazed, Bamboo"),
                ("Dinner Plate", "Stoneware, Porcelain, Hand-Glazed, Matte Ceramic"),
                ("Teapot", "Cast Iron, Porcelain, Glass, Stoneware")),
               ("made for slow breakfasts and long dinners", "thrown and glazed by hand"),
               ("It is dishwasher, microwave and oven safe.",
                "Each piece has a slightly different glaze, so no two are alike.")),
        _aisle("Bedding", "Duvet covers, sheets and throws.", (),
               "White Grey Beige Blue Navy Green Pink Olive", (2, 4), (39, 219),
               (("Duvet Cover", "Linen, Percale, Sateen, Washed Cotton"),
                ("Sheet Set", "Linen, Percale, Sateen, Flannel"),
                ("Pillowcase Pair", "Linen, Silk, Percale, Bamboo"),
                ("Throw Blanket", "Wool, Cotton Waffle, Cashmere, Chunky Knit")),
               ("for cool, restful nights", "that gets softer with every wash"),
               ("The cotton is long-staple and certified organic.",
                "Stonewashing gives it a relaxed, lived-in look.")),
        _aisle("Bath", "Towels, bath mats and robes.", (),
               "White Grey Beige Blue Teal Green Pink Navy", (2, 4), (15, 119),
               (("Bath Towel", "Turkish Cotton, Waffle, Organic Cotton, Plush"),
                ("Hand Towel", "Turkish Cotton, Linen, Waffle Weave, Ribbed"),
                ("Bath Mat", "Tufted Cotton, Waffle, Memory Foam, Chenille"),
                ("Bathrobe", "Waffle, Terry, Linen, Hooded")),
               ("that is soft, absorbent and quick to dry", "woven on traditional looms"),
               ("The long cotton loops absorb water fast.",
                "It is pre-washed, so it will not shrink.")),
        _aisle("Decor", "Vases, planters, candle holders and cushions.", (),
               "White Black Beige Green Brown Grey Orange Blue", (2, 4), (19, 129),
               (("Vase", "Terracotta, Smoked Glass, Ribbed Ceramic, Stoneware"),
                ("Planter", "Terracotta, Concrete, Ceramic, Rattan"),
                ("Candle Holder", "Brass, Marble, Glass, Ceramic"),
                ("Cushion Cover", "Linen, Velvet, Wool, Embroidered")),
               ("to bring warmth to a shelf or table", "made in small batches"),
               ("Its simple shape suits modern and traditional rooms alike.",
                "Every piece is finished by hand, so small marks are part of its charm.")),
    )),
    ("Outdoors", "Jackets, footwear, camping gear and packs.", (
        _aisle("Jackets", "Shells, fleeces and insulated layers.", ALL_SIZES,
               "Black Navy Orange Red Green Olive Yellow Teal Blue", (2, 3), (89, 329),
               (("Rain Shell", "Packable, Lightweight, Three-Layer, Recycled"),
                ("Fleece Jacket", "Grid, Sherpa, Recycled, High-Pile"),
                ("Insulated Vest", "Down, Synthetic, Quilted, Packable"),
                ("Softshell Jacket", "Stretch, Windproof, Hooded, Alpine")),
               ("built for hiking, climbing and wet commutes", "that packs into its own pocket"),
               ("It is waterproof, breathable and made from recycled nylon.",
                "An adjustable hood and pit zips help you regulate heat.")),
        _aisle("Footwear", "Trail runners, hiking boots and sandals.",
               tuple(str(n) for n in range(38, 47)), "", (0, 0), (89, 219),
               (("Trail Running Shoe", "Lightweight, Cushioned, Waterproof, All-Terrain"),
                ("Hiking Boot", "Waterproof, Leather, Mid-Cut, Lightweight"),
                ("Approach Shoe", "Sticky Rubber, Suede, Lightweight, Waterproof"),
                ("Trail Sandal", "Adjustable, Cushioned, Recycled, Lightweight")),
               ("with a grippy lugged outsole for rough trails", "made for long days outside"),
               ("A rock plate and toe cap protect your feet on rocky ground.",
                "The breathable mesh upper dries quickly after river crossings.")),
        _aisle("Camping", "Bottles, mugs, sleeping bags and chairs.", (),
               "Green Orange Olive Blue Red Grey Black Yellow Teal", (2, 4), (15, 249),
               (("Water Bottle", "Insulated Steel, Collapsible, Glass, Titanium"),
                ("Camp Mug", "Enamel, Titanium, Insulated, Collapsible"),
                ("Sleeping Bag", "Down, Synthetic, Ultralight, Three-Season"),
                ("Camp Chair", "Folding, Ultralight, High-Back, Packable")),
               ("made for camping, backpacking and the back garden", "tough enough for years"),
               ("It is light enough to carry all day and packs down small.",
                "Every part can be repaired, and spares are available.")),
        _aisle("Packs", "Daypacks, backpacks, duffels and hip packs.", (),
               "Black Grey Navy Olive Green Orange Red Teal", (2, 4), (25, 229),
               (("Daypack", "Roll-Top, Ultralight, Waxed Canvas, Recycled"),
                ("Hiking Backpack", "Ventilated, Ultralight, Waterproof, Frameless"),
                ("Duffel Bag", "Waxed Canvas, Waterproof, Packable, Weekender"),
                ("Hip Pack", "Ripstop, Recycled, Leather, Mesh")),
               ("made for commutes, day hikes and weekends away", "built to carry in comfort"),
               ("Padded straps and a laptop sleeve make it easy to carry.",
                "The fabric is water-resistant and the zips are sealed.")),
    )),
)
CLOSINGS = (
    "Free returns within 30 days if it is not quite right.",
    "Packed in recycled, plastic-free packaging.",
    "Designed to last for years, not a season.",
    "Every piece is checked by hand before it ships.",
)
