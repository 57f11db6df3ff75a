"""An HTML page as a small tree, with the standard library's parser: what the Word writer walks.

The page is the kit's own export (escaped, well formed); the tree keeps tags, attributes
and text, and each ``<svg>`` element whole, as its source, for the chart pictures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

__all__ = ["Node", "parse_page"]

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Node:
    """An element: its tag, attributes and children (elements and text)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        """Return the element's classes."""
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        """Return its text, every descendant's joined."""
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def find_all(self, tag: str) -> list[Node]:
        """Return its descendants of that tag, in document order."""
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag:
                    found.append(child)
                found += child.find_all(tag)
        return found


class _Tree(HTMLParser):
    """The page as a tree of :class:`Node`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_page(page: str) -> tuple[Node, list[str]]:
    """Return the page's tree and the sources of its ``<svg>`` elements (a node ``svg`` has its index)."""
    svgs: list[str] = []

    def keep(match: re.Match[str]) -> str:
        svgs.append(match[0])
        return f'{match[1]} data-ik-svg="{len(svgs) - 1}"></svg>'

    tree = _Tree()
    tree.feed(re.sub(r"(<svg\b[^>]*?)>.*?</svg>", keep, page, flags=re.S))
    tree.close()
    return tree.root, svgs
