"""User HTML made safe to show: comments and card, lane and board descriptions (decision 100).

LeanKit stores these as HTML and its clients render them as HTML, so whatever a user sends must come back
without anything a browser would run.  `sanitize` keeps an allow-list of formatting tags and attributes
(ammonia, through `nh3`) and drops everything else: `<script>`/`<style>` with their content, other unknown
tags keeping their text, every `on*` handler and `style` attribute, and URLs whose scheme is not http, https
or mailto (`javascript:`, `vbscript:`, `data:`, in any case or entity encoding).

Text without a `<` cannot form a tag or an attribute, so it is returned unchanged: plain text keeps its `&`,
quotes and line breaks exactly as sent, and is never wrapped in `<p>`.
"""

from __future__ import annotations

from typing import Any

import nh3

from lanekit.domain.errors import Invalid

MAX_HTML = 100_000

TAGS = frozenset(
    {
        # text
        "p", "br", "hr", "div", "span", "blockquote", "q", "pre", "code", "kbd",
        "strong", "b", "em", "i", "u", "s", "strike", "del", "ins", "sub", "sup", "small", "mark",
        "h1", "h2", "h3", "h4", "h5", "h6",
        # lists
        "ul", "ol", "li", "dl", "dt", "dd",
        # links and images
        "a", "img",
        # tables
        "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td",
    }
)  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
}
# Also the only schemes a card's external link may have (domain/cards/values.check_link_url).
URL_SCHEMES = frozenset({"http", "https", "mailto"})

_CLEANER = nh3.Cleaner(
    tags=set(TAGS),
    clean_content_tags={"script", "style"},
    attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
    tag_attribute_values={"a": {"target": {"_blank"}}},
    url_schemes=set(URL_SCHEMES),
    strip_comments=True,
    # Links may open a new tab (`target` only as `_blank`); every link gets rel="noopener noreferrer".
    link_rel="noopener noreferrer",
)


def sanitize(value: str) -> str:
    """`value` with only the allowed tags, attributes and URL schemes left; text without `<` as it is."""
    if "<" not in value:
        return value
    return _CLEANER.clean(value)


def check_html(value: Any, field: str) -> str | None:
    """An optional HTML field (a description): None stays None, other non-strings are Invalid."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(field, "must be a string")
    if len(value) > MAX_HTML:
        raise Invalid(field, f"must be at most {MAX_HTML} characters")
    return sanitize(value)


def check_required_html(value: Any, field: str) -> str:
    """A required HTML field (a comment): a string with some content left once sanitised."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid(field, "must be a non-empty string")
    clean = check_html(value, field)
    if not clean or not clean.strip():
        raise Invalid(field, "has nothing left once unsafe HTML is removed")
    return clean
