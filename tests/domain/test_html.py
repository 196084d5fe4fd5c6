"""domain/html.py: XSS payloads (OWASP filter-evasion cheat sheet style) lose everything a browser would
run; benign formatting and plain text come through."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from lanekit.domain.errors import Invalid
from lanekit.domain.html import TAGS, URL_SCHEMES, check_html, check_required_html, sanitize

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>",
    '<<SCRIPT>alert("XSS");//<</SCRIPT>',
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)"//',
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;"
    "&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27"
    "&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    '<a href="  javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="javas&#99;ript:alert(1)">x</a>',
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116'
    '&#0000058alert(1)">x</a>',
    '<a href="java\x00script:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<math><a xlink:href="javascript:alert(1)">x</a></math>',
    "<body onload=alert('XSS')>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
    "<div style=\"width: expression(alert('XSS'));\">x</div>",
    "<p style=\"background:url('javascript:alert(1)')\">x</p>",
    "<style>@import 'http://xss.rocks/xss.css';</style>",
    '<link rel="stylesheet" href="javascript:alert(\'XSS\');">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<base href=\"javascript:alert('XSS');//\">",
    "<table background=\"javascript:alert('XSS')\"><tr><td>x</td></tr></table>",
    '<input type="image" src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    "<details open ontoggle=alert(1)>x</details>",
    '<video><source onerror="alert(1)"></video>',
    '<p onmouseover="alert(1)">hover</p>',
    "<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<a href="https://ok.example" onclick="alert(1)" target="_top">x</a>',
]

# Attributes whose value is a URL a browser would follow or load.
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "background", "data", "xlink:href", "srcdoc"}


class _Collect(HTMLParser):
    """Every start tag and attribute of a fragment, as a browser's tokenizer sees them (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]

    handle_startendtag = handle_starttag


def _scheme(url: str) -> str | None:
    # Browsers drop ASCII whitespace and control characters anywhere in a URL before reading its scheme.
    squeezed = re.sub(r"[\x00-\x20]", "", url).lower()
    found = re.match(r"([a-z][a-z0-9+.\-]*):", squeezed)
    return found.group(1) if found else None


def assert_inert(html: str) -> None:
    parsed = _Collect()
    parsed.feed(html)
    parsed.close()
    assert set(parsed.tags) <= TAGS, html
    for tag, name, value in parsed.attributes:
        assert not name.startswith("on"), html
        assert name != "style", html
        if name in URL_ATTRIBUTES:
            assert _scheme(value) in {None, *URL_SCHEMES}, html
        if tag == "a" and name == "target":
            assert value == "_blank", html
    assert "<script" not in html.lower()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_payload_keeps_anything_that_runs(payload: str) -> None:
    clean = sanitize(payload)
    assert_inert(clean)
    # Stable: sanitising the output again changes nothing (no markup re-forms when it is parsed again).
    assert sanitize(clean) == clean


def test_payload_list_is_long_enough_to_mean_something() -> None:
    assert len(PAYLOADS) >= 40
    # The checker itself catches what it is meant to catch.
    for dangerous in ("<script>x</script>", '<a href="java\tscript:x">', '<p onclick="x">', "<iframe>"):
        with pytest.raises(AssertionError):
            assert_inert(dangerous)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("<p>The card <strong>three</strong> description</p>", None),
        ("<p><em>a</em> <b>b</b> <i>c</i> <u>d</u> <s>e</s> <code>f</code></p>", None),
        ("<ul><li>one</li><li>two</li></ul><ol><li>first</li></ol>", None),
        ("<h1>Title</h1><h6>small</h6><blockquote>quoted</blockquote><pre>x = 1</pre>", None),
        ("<p>line<br>break</p>", None),
        (
            '<table><thead><tr><th>h</th></tr></thead><tbody><tr><td colspan="2">c</td></tr></tbody></table>',
            None,
        ),
        (
            '<a href="https://www.leankit.com" title="LeanKit">link</a>',
            '<a href="https://www.leankit.com" title="LeanKit" rel="noopener noreferrer">link</a>',
        ),
        (
            '<a href="mailto:me@example.com" target="_blank">mail</a>',
            '<a href="mailto:me@example.com" target="_blank" rel="noopener noreferrer">mail</a>',
        ),
        ('<img src="https://example.com/a.png" alt="a">', None),
        ('<span class="x" style="color:red">red</span>', "<span>red</span>"),
        ("<p>a <unknown>kept text</unknown></p>", "<p>a kept text</p>"),
    ],
)
def test_benign_formatting_survives(given: str, expected: str | None) -> None:
    assert sanitize(given) == (given if expected is None else expected)


@pytest.mark.parametrize(
    "text",
    ["Sample comment body", 'Tom & Jerry\'s "plan"\nline two', "&lt;b&gt; stays escaped", "a > b", ""],
)
def test_plain_text_comes_back_as_sent(text: str) -> None:
    assert sanitize(text) == text


def test_check_html_types_and_limits() -> None:
    assert check_html(None, "description") is None
    assert check_html("<p onclick=x>hi</p>", "description") == "<p>hi</p>"
    with pytest.raises(Invalid) as bad_type:
        check_html(5, "description")
    assert bad_type.value.field == "description"
    with pytest.raises(Invalid):
        check_html("x" * 100_001, "description")


@pytest.mark.parametrize("text", [None, "", "   ", 7, ["x"], "<script>alert(1)</script>"])
def test_required_html_refuses_empty_and_non_strings(text: object) -> None:
    with pytest.raises(Invalid) as refused:
        check_required_html(text, "text")
    assert refused.value.field == "text"
