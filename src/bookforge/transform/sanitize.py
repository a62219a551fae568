"""Raw HTML sanitising for books that allow raw HTML: no scripts, frames, objects,
event handlers or `javascript:` URLs. Works tag by tag, since markdown-it hands over
fragments (an opening tag in one token, its closing tag in another)."""

from __future__ import annotations

import re

FORBIDDEN = ("script", "iframe", "object", "embed", "applet", "frame", "frameset", "base",
             "form", "meta", "link", "style")
_BLOCK_RE = re.compile(
    r"<(script|style|iframe|object|applet)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:\s+[^>]*?)?)(/?)>", re.S)
_ATTR_RE = re.compile(
    r"""\s+([^\s=/>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?""", re.S)
_BAD_URL_RE = re.compile(r"^\s*(javascript|vbscript|data:text/html)", re.I)


def _clean_attrs(attrs: str) -> str:
    kept = []
    for m in _ATTR_RE.finditer(attrs):
        name, value = m.group(1), m.group(2) or ""
        bare = value.strip("\"'")
        bare_decoded = re.sub(r"&#x?[0-9a-f]+;?|\s", "", bare, flags=re.I)
        if name.lower().startswith("on"):
            continue
        if name.lower() in ("href", "src", "xlink:href", "action", "formaction", "srcdoc") and (
            _BAD_URL_RE.match(bare) or _BAD_URL_RE.match(bare_decoded)
        ):
            continue
        kept.append(f" {name}={value}" if value else f" {name}")
    return "".join(kept)


def _clean_tag(m: re.Match[str]) -> str:
    slash, name, attrs, selfclose = m.groups()
    if name.lower() in FORBIDDEN:
        return ""
    return f"<{slash}{name}{_clean_attrs(attrs or '')}{selfclose}>"


def sanitize_html(html: str) -> str:
    html = _BLOCK_RE.sub("", html)
    return _TAG_RE.sub(_clean_tag, html)
